//! Retention rules.

use chrono::{DateTime, Utc};

use super::Session;
use crate::error::Result;
use crate::model::DueRun;

impl Session<'_> {
    /// `run_due`'s part for retention rules: each active rule acts on the clients it matches now.
    pub(crate) fn due_rules(&self, _now: DateTime<Utc>, _run: &mut DueRun) -> Result<()> {
        Ok(())
    }
}
