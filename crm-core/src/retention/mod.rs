//! Retention: the pure decisions that turn time passing into work — complaint deadlines with pauses,
//! the dormancy ladder from each client's own buying rhythm, the agenda's order, and retention rules.
//! Nothing here touches SQLite or reads the clock.

pub mod agenda;
pub mod complaints;
pub mod dormancy;
pub mod rules;
