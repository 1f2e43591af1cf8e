//! Import of spreadsheets: the pure half. A file's bytes become a [`Table`] (CSV in UTF-8 with or
//! without a BOM or in Windows-1251, any common delimiter, quoted newlines; or a sheet of an XLSX
//! workbook, merged header cells included), its headers are mapped to the fields of what is imported
//! (given, or guessed from headers in English, Ukrainian and Russian), and its cells are read as local
//! dates and decimals. Nothing here touches the store: [`crate::Crm::import`] does, one row at a time.
//!
//! - [`read`]: bytes → [`Table`] (encoding and delimiter detection, header row, XLSX).
//! - [`mapping`]: headers → fields ([`mapping::guess`]), the fields of each [`crate::ImportKind`].
//! - [`values`]: `31.12.2025`, `1 234,50`, `+380 67 …` as dates, money and quantities.

pub mod mapping;
pub mod read;
pub mod values;

/// A sheet read from a file: its header row and its data rows, every cell as text (trimmed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    /// The header cells, in column order (a merged header cell gives its text to every column it spans).
    pub headers: Vec<String>,
    /// The data rows that are not empty, in file order.
    pub rows: Vec<TableRow>,
    /// How the file was read: `utf-8`, `utf-8-bom`, `windows-1251` or `xlsx`.
    pub encoding: String,
    /// The delimiter a CSV file was read with (`None` for XLSX).
    pub delimiter: Option<char>,
    /// The 1-based row number of the header row in the file (a title above the table is skipped).
    pub header_row: u64,
}

/// One data row of a [`Table`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TableRow {
    /// The 1-based row number as a spreadsheet shows it (for CSV: the record's number counting the
    /// header as 1; a quoted newline does not start a new row).
    pub row: u64,
    /// The cells, one per header (missing cells are empty strings, extra cells are dropped).
    pub cells: Vec<String>,
}
