//! Duplicates, decided without I/O: normalisation of the values parties are matched on
//! ([`normalize`], [`names`]), the blocking keys and the score of a pair ([`matching`]), and which values
//! survive a merge ([`merge`]).

pub mod matching;
pub mod merge;
pub mod names;
pub mod normalize;
