//! Duplicate detection. For now: normalisation of the values parties are matched on.

pub mod names;
pub mod normalize;
