//! How model values are written to and read from SQLite columns.
//!
//! Times are RFC 3339 text in UTC with nanoseconds, fixed width (`2026-11-26T09:30:00.000000000Z`), so they
//! sort as text and read well in any SQLite tool; dates are `YYYY-MM-DD`; money is integer minor units;
//! codes are their snake_case text; lists and free attributes are JSON text.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::model::{
    AbsenceId, ActivityId, ActivityKind, AssignedVia, AssignmentId, Channel, ClientId, ClientKind,
    ComplaintId, ComplaintMilestone, ComplaintPriority, ComplaintStatus, ContactId, DealId,
    DealStatus, Direction, DormancyState, Escalation, JunkKind, LeadId, LeadStatus, ManagerId,
    MergeId, Money, OrderId, OrderStatus, PromiseId, PromiseStatus, Quality, RetentionRuleId,
    RuleId, SlaPolicyId, SourceId, SpendId, Strategy, TaskId, TaskStatus,
};

/// A time as stored.
pub(crate) fn ts(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// A UTC time column.
pub(crate) struct Time(pub DateTime<Utc>);

impl FromSql for Time {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        DateTime::parse_from_rfc3339(text)
            .map(|t| Time(t.with_timezone(&Utc)))
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

impl ToSql for Time {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(ts(&self.0)))
    }
}

/// A calendar date column.
pub(crate) struct Day(pub NaiveDate);

impl FromSql for Day {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map(Day)
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

impl ToSql for Day {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0.format("%Y-%m-%d").to_string()))
    }
}

/// A JSON text column.
pub(crate) struct Json<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromSql for Json<T> {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = value.as_str()?;
        serde_json::from_str(text)
            .map(Json)
            .map_err(|e| FromSqlError::Other(Box::new(e)))
    }
}

/// JSON text of a value, for a parameter.
pub(crate) fn json<T: serde::Serialize + ?Sized>(value: &T) -> rusqlite::Result<String> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

macro_rules! sql_id {
    ($($name:ident),*) => {$(
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0))
            }
        }
        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value.as_i64().map($name)
            }
        }
    )*};
}
sql_id!(
    ManagerId,
    SourceId,
    SpendId,
    ClientId,
    ContactId,
    LeadId,
    DealId,
    ActivityId,
    OrderId,
    MergeId,
    AbsenceId,
    RuleId,
    SlaPolicyId,
    TaskId,
    AssignmentId,
    PromiseId,
    ComplaintId,
    RetentionRuleId
);

impl ToSql for Money {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.minor()))
    }
}

impl FromSql for Money {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value.as_i64().map(Money::from_minor)
    }
}

macro_rules! sql_code {
    ($($name:ident),*) => {$(
        impl ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.as_str()))
            }
        }
        impl FromSql for $name {
            fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
                value.as_str()?.parse().map_err(|e: crate::error::Error| FromSqlError::Other(Box::new(e)))
            }
        }
    )*};
}
sql_code!(
    Channel,
    ClientKind,
    Quality,
    LeadStatus,
    JunkKind,
    DealStatus,
    ActivityKind,
    Direction,
    OrderStatus,
    AssignedVia,
    Strategy,
    Escalation,
    TaskStatus,
    ComplaintMilestone,
    DormancyState,
    PromiseStatus,
    ComplaintPriority,
    ComplaintStatus
);
