//! Analytics, decided without I/O: pure functions over rows the store reads (per-client rollups, never
//! the orders themselves where a rollup will do). Each function documents its conventions — ties,
//! boundaries, units — and is checked against the CDNOW purchase history with answers computed by
//! established tools (`crm-core/tests/data/cdnow`).

pub mod abc;
pub mod baskets;
pub mod bgnbd;
pub mod forecast;
pub mod funnel;
pub mod managers;
pub mod offers;
pub mod rfm;
pub mod sources;
pub mod xyz;
