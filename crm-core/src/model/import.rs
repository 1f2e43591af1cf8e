//! Import of spreadsheets: what is imported, how, and what came of it.

use super::code_enum;

code_enum!(
    /// What a spreadsheet holds: one record per row (orders: one line per row, rows with the same order
    /// number make one order).
    ImportKind, "kind" {
        /// Clients (companies or persons).
        Clients = "clients",
        /// Contact persons of clients.
        Contacts = "contacts",
        /// Leads (requests).
        Leads = "leads",
        /// Orders (one line per row).
        Orders = "orders",
    }
);

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Id of an [`ImportBatch`].
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct ImportId(pub i64);

impl std::fmt::Display for ImportId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<i64> for ImportId {
    fn from(id: i64) -> Self {
        ImportId(id)
    }
}

code_enum!(
    /// What an imported client is looked up by in the store.
    MatchKey, "match_on" {
        /// The ERP's reference (`external_ref`), exactly.
        ExternalRef = "external_ref",
        /// The tax id (ЄДРПОУ, ИНН …), normalised as duplicates are.
        TaxId = "tax_id",
        /// The e-mail, normalised as duplicates are (case, provider aliases).
        Email = "email",
        /// The phone, normalised as duplicates are (`067 123 45 67` = `+380671234567`).
        Phone = "phone",
    }
);

code_enum!(
    /// What happens when a row holds another value than the store for a field the store already has.
    OnConflict, "on_conflict" {
        /// The stored value is kept; the difference is reported as a conflict.
        Report = "report",
        /// The incoming value is written; the difference is still reported, with the old value.
        Overwrite = "overwrite",
    }
);

// `code_enum!` derives no `Default`, so it is written out.
#[allow(clippy::derivable_impls)]
impl Default for OnConflict {
    fn default() -> Self {
        OnConflict::Report
    }
}

#[allow(clippy::derivable_impls)]
impl Default for ImportKind {
    fn default() -> Self {
        ImportKind::Clients
    }
}

/// How to import a file: what it holds, how clients are matched, what to do with conflicts, and how
/// to read it (each reading option is detected when left out).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ImportOptions {
    /// What the rows are.
    pub kind: ImportKind,
    /// The keys existing clients are looked up by, in this order; empty means
    /// `[external_ref, tax_id, email, phone]`.
    pub match_on: Vec<MatchKey>,
    /// Header text (as in the file) → field; `""` ignores the column. Headers left out are guessed.
    pub mapping: BTreeMap<String, String>,
    /// Do everything, report, and write nothing.
    pub dry_run: bool,
    /// One failed row rolls the whole import back.
    pub all_or_nothing: bool,
    /// What to do with a value that differs from the stored one.
    pub on_conflict: OnConflict,
    /// The CSV encoding (`utf-8`, `windows-1251`); detected when left out.
    pub encoding: Option<String>,
    /// The CSV delimiter; detected when left out.
    pub delimiter: Option<char>,
    /// The XLSX sheet; the first when left out.
    pub sheet: Option<String>,
    /// The 1-based header row; detected when left out.
    pub header_row: Option<u64>,
    /// The file name recorded in the batch (by default the name of the file imported, if any).
    pub file_name: Option<String>,
    /// Leads: the source (by name) of rows without a `source` cell.
    pub default_source: Option<String>,
}

impl ImportOptions {
    /// Options for a file of `kind`, everything else by default.
    pub fn new(kind: ImportKind) -> Self {
        ImportOptions {
            kind,
            ..Default::default()
        }
    }

    /// The match keys in force (the default order when none are given).
    pub fn match_keys(&self) -> Vec<MatchKey> {
        if self.match_on.is_empty() {
            MatchKey::ALL.to_vec()
        } else {
            self.match_on.clone()
        }
    }
}

code_enum!(
    /// What became of one row.
    RowStatus, "status" {
        /// A new record was made.
        Created = "created",
        /// An existing record got new values.
        Updated = "updated",
        /// An existing record already held everything the row says.
        Unchanged = "unchanged",
        /// The row was left out (an order already stored with other content).
        Skipped = "skipped",
        /// The row could not be imported; see the errors.
        Failed = "failed",
    }
);

/// What became of one row of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowOutcome {
    /// The row number as the spreadsheet shows it.
    pub row: u64,
    /// What became of it.
    pub status: RowStatus,
    /// `client`, `contact`, `lead` or `order`.
    pub entity: String,
    /// The record it made or matched, when there is one.
    pub id: Option<i64>,
}

/// Why a row (or a cell of it) could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowError {
    /// The row number.
    pub row: u64,
    /// The column's header text, when one cell is at fault.
    pub column: Option<String>,
    /// The field, when one is at fault.
    pub field: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// A value in the file that differs from the one stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowConflict {
    /// The row number.
    pub row: u64,
    /// `client`, `contact` or `order`.
    pub entity: String,
    /// The stored record.
    pub id: i64,
    /// The field.
    pub field: String,
    /// The value in the store (before the import).
    pub stored: String,
    /// The value in the file.
    pub incoming: String,
}

/// How one column of the file was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMapping {
    /// 0-based column number.
    pub column: u32,
    /// The header text.
    pub header: String,
    /// The field it fills; `None`: ignored.
    pub field: Option<String>,
    /// Whether the field was guessed from the header (not given in the mapping).
    pub guessed: bool,
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    /// The batch, when something was committed.
    pub batch_id: Option<ImportId>,
    /// What the rows are.
    pub kind: ImportKind,
    /// Whether this was a dry run.
    pub dry_run: bool,
    /// Whether the rows were written (false for a dry run, a cancel, or an all-or-nothing failure).
    pub committed: bool,
    /// Whether the progress callback cancelled the import (nothing written).
    pub cancelled: bool,
    /// Data rows read.
    pub total: u64,
    /// Rows that made a new record.
    pub created: u64,
    /// Rows that updated a record.
    pub updated: u64,
    /// Rows that matched a record holding everything already.
    pub unchanged: u64,
    /// Rows left out.
    pub skipped: u64,
    /// Rows that failed.
    pub failed: u64,
    /// Every row, in file order.
    pub rows: Vec<RowOutcome>,
    /// Every error, by row then column.
    pub errors: Vec<RowError>,
    /// Every value that differed from the store, by row.
    pub conflicts: Vec<RowConflict>,
    /// How each column was read.
    pub columns: Vec<ColumnMapping>,
    /// How the file was read: `utf-8`, `utf-8-bom`, `windows-1251` or `xlsx`.
    pub encoding: String,
    /// The CSV delimiter.
    pub delimiter: Option<char>,
    /// The 1-based header row.
    pub header_row: u64,
}

/// One committed import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportBatch {
    /// Its id.
    pub id: ImportId,
    /// What the rows were.
    pub kind: ImportKind,
    /// The file name, when known.
    pub file_name: Option<String>,
    /// When it was imported.
    pub at: DateTime<Utc>,
    /// Who imported it.
    pub actor: String,
    /// Data rows read.
    pub total: u64,
    /// Rows that made a new record.
    pub created: u64,
    /// Rows that updated a record.
    pub updated: u64,
    /// Rows that changed nothing.
    pub unchanged: u64,
    /// Rows left out.
    pub skipped: u64,
    /// Rows that failed.
    pub failed: u64,
    /// When it was undone.
    pub undone_at: Option<DateTime<Utc>>,
}

/// Something an undo could not take back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoBlock {
    /// `client`, `contact`, `lead` or `order`.
    pub entity: String,
    /// The record.
    pub id: i64,
    /// What depends on it.
    pub reason: String,
}

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoReport {
    /// The batch.
    pub batch_id: ImportId,
    /// Whether it was undone (all of it); false when something blocks it (then nothing changed).
    pub undone: bool,
    /// Records removed (created by the import; leads are closed as junk `test`, since their
    /// history is append-only).
    pub removed: u64,
    /// Records given back their values from before the import.
    pub restored: u64,
    /// What blocks the undo, by entity then id.
    pub blocked: Vec<UndoBlock>,
}
