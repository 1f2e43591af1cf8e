//! # crmkit
//!
//! An embeddable CRM library: the whole client lifecycle — attract, record, sell, retain — in one SQLite
//! file, linked into the program a business already runs. No server.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use crm_core::{Channel, ConvertLead, Crm, Money, NewLead, NewOrder, OrderLine};
//!
//! # fn main() -> crm_core::Result<()> {
//! let crm = Crm::open_in_memory()?; // or Crm::open("shop.crm")
//! let t = Utc.with_ymd_and_hms(2026, 11, 2, 9, 30, 0).unwrap();
//!
//! // A web request comes in: captured at once, even with a malformed phone.
//! let mut lead = NewLead::new(Channel::Web);
//! lead.name = Some("Ivan Petrenko".into());
//! lead.email = Some("ivan@romashka.ua".into());
//! lead.need = Some("50 chairs for an office".into());
//! let capture = crm.capture_lead(lead, t)?;
//!
//! // A manager starts on it and qualifies it; it becomes a client and a deal; the deal is won.
//! crm.start_lead(capture.lead.id, t)?;
//! crm.qualify_lead(capture.lead.id, t)?;
//! let conv = crm.convert_lead(capture.lead.id, ConvertLead::default(), t)?;
//! crm.win_deal(conv.deal_id, t)?;
//! let order = NewOrder {
//!     client_id: conv.client_id,
//!     total: Money::parse("245.90")?,
//!     lines: vec![OrderLine::new("SKU-1", 2, Money::parse("100")?), OrderLine::new("SKU-7", 1, Money::parse("45.90")?)],
//!     external_ref: Some("WEB-5531".into()),
//!     ..Default::default()
//! };
//! crm.record_order(order, t)?;
//!
//! assert_eq!(crm.client_rollup(conv.client_id)?.revenue, Money::parse("245.90")?);
//! assert!(crm.history("lead", capture.lead.id.0)?.len() >= 2);
//! # Ok(())
//! # }
//! ```
//!
//! Rules that hold everywhere:
//! - every command takes its time (`at`); nothing here reads the clock;
//! - one command is one transaction: it happens fully (rows, history event, rollups) or not at all;
//! - money is [`Money`], integer minor units; never a float;
//! - every list has a defined order (by id unless documented otherwise).

mod crm;

/// `Crm` is shared between threads by the bindings; this fails to compile if it ever stops being so.
const _: () = {
    const fn send_and_sync<T: Send + Sync>() {}
    send_and_sync::<Crm>();
};
pub mod analytics;
pub mod calendar;
pub mod dedup;
pub mod distribution;
mod error;
mod export;
pub mod import;
pub mod lifecycle;
pub mod model;
pub mod retention;
pub mod segment;
mod store;
mod validate;

pub use crate::crm::{Crm, DEFAULT_ACTOR, ENTITIES, Transaction};
pub use crate::error::{Error, ErrorKind, Result};
pub use crate::model::*;
pub use crate::segment::{ClientFacts, Condition, FieldInfo, FieldType, Subject};
pub use crate::store::schema::SCHEMA_VERSION;
