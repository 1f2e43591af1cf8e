//! Promises and complaints.

use chrono::{DateTime, Utc};

use super::Session;
use crate::error::Result;
use crate::model::DueRun;

impl Session<'_> {
    /// `run_due`'s part for complaints: deadlines passed are marked breached and escalated.
    pub(crate) fn due_complaints(&self, _now: DateTime<Utc>, _run: &mut DueRun) -> Result<()> {
        Ok(())
    }

    /// `run_due`'s part for promises: reminders for those coming due, overdue ones broken.
    pub(crate) fn due_promises(&self, _now: DateTime<Utc>, _run: &mut DueRun) -> Result<()> {
        Ok(())
    }
}
