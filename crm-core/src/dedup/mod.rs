//! Duplicate detection. For now: normalisation of the values clients are matched on.

pub mod normalize;
