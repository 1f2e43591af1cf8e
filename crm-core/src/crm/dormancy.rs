//! The dormancy ladder.

use chrono::{DateTime, Utc};

use super::Session;
use crate::error::Result;
use crate::model::DueRun;

impl Session<'_> {
    /// `run_due`'s part for dormancy: clients whose place on the ladder changed move (an event each).
    pub(crate) fn due_dormancy(&self, _now: DateTime<Utc>, _run: &mut DueRun) -> Result<()> {
        Ok(())
    }
}
