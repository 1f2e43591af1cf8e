//! Bytes → [`Table`]: CSV (encoding and delimiter detected) or a sheet of an XLSX workbook.
//!
//! **Format.** Bytes that start with the zip signature `PK\x03\x04` are read as XLSX, anything else as
//! CSV text.
//!
//! **CSV encoding.** UTF-8 with a byte order mark (the BOM is dropped) → `utf-8-bom`; other valid
//! UTF-8 → `utf-8`; anything else is read as Windows-1251 → `windows-1251` (every byte sequence is
//! valid 1251, so a file with NUL bytes or mostly control characters is refused as not text).
//! [`ReadOptions::encoding`] (`utf-8`, `windows-1251` or its alias `cp1251`) forces one.
//!
//! **CSV delimiter.** Each of `;` `,` tab `|` splits the first 50 records (quotes respected); the one
//! under which the most records have the same number of cells, that number being above one, wins.
//! Ties go to the earlier in the order `;` `,` tab `|` (a semicolon file whose addresses hold commas
//! splits consistently both ways as often as not; semicolons are what Ukrainian and Russian software
//! writes). No candidate above one cell: `,` (a one-column file). [`ReadOptions::delimiter`] forces one.
//!
//! **Cells and rows.** Cells are trimmed (non-breaking spaces too). Rows whose cells are all empty are
//! dropped. A row's number is its position in the file as a spreadsheet program shows it: every record
//! counts, the header and empty lines included; a newline inside a quoted cell does not start a row.
//! Each row is padded with empty cells or cut to the number of headers: cells beyond the last header
//! are dropped (they have no header to map them by). Trailing empty header cells (a trailing delimiter)
//! are dropped too.
//!
//! **Header row.** The first row among the first 20 non-empty rows in which at least two cells map to
//! fields of the kind ([`super::mapping::guess`]); when the non-empty row right below it maps more
//! cells, that one (a group title such as «Контакт» above «Телефон» and «E-mail», whose merged cells
//! would otherwise pass). No such row: the first non-empty row. Rows above the header (a title like
//! «Клієнти станом на 01.01.2025») are skipped. [`ReadOptions::header_row`] (1-based) forces it.
//!
//! **XLSX.** The sheet named [`ReadOptions::sheet`], else the first. Numbers that are whole print
//! without a decimal point (a phone `380671234567` stored as a number stays `380671234567`), other
//! numbers in the shortest form that reads back the same, dates as `2025-12-31` and date-times as
//! `2025-12-31T14:30:00`, booleans as `true`/`false`, error cells (`#N/A`) as empty. A merged region
//! shows its top-left cell's text in every cell of the header row and the rows above it that it covers
//! (a merged header gives its text to every column it spans), and in the first column of every data
//! row it covers (an order number merged down over the order's lines); the other columns of a merged
//! region in data rows stay empty, so one value is never read as several fields.

use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use calamine::{Data, Reader, Xlsx};

use super::mapping::guess;
use super::{Table, TableRow};
use crate::error::{Error, Result};
use crate::model::ImportKind;

/// How to read a file; every `None` means "detect".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadOptions {
    /// CSV encoding: `utf-8`, `windows-1251` (or `cp1251`). Ignored for XLSX.
    pub encoding: Option<String>,
    /// CSV delimiter (any ASCII character). Ignored for XLSX.
    pub delimiter: Option<char>,
    /// XLSX sheet name (default: the first sheet). Ignored for CSV.
    pub sheet: Option<String>,
    /// The 1-based row number of the header row, as a spreadsheet shows it.
    pub header_row: Option<u64>,
}

/// How many non-empty rows are searched for the header row.
const HEADER_SEARCH_ROWS: usize = 20;
/// How many records the delimiter detection splits.
const DELIMITER_SAMPLE_RECORDS: usize = 50;
/// The delimiter candidates, in tie-breaking order.
const DELIMITERS: [u8; 4] = [b';', b',', b'\t', b'|'];

/// Reads a CSV or XLSX file into a [`Table`] for an import of `kind` (the kind only guides the
/// header row search). See the module docs for every detection rule.
///
/// # Errors
/// `Error::Validation` on `file` (not text nor a readable workbook, no rows), `encoding` (unknown or
/// not matching the bytes), `delimiter` (not ASCII), `sheet` (no such sheet; the message lists them) or
/// `header_row` (beyond the file or an empty row).
pub fn read_table(bytes: &[u8], kind: ImportKind, options: &ReadOptions) -> Result<Table> {
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, kind, options)
    } else {
        read_csv(bytes, kind, options)
    }
}

/// A row before the header is known: its number and its cells.
struct RawRow {
    row: u64,
    cells: Vec<String>,
}

fn trim_cell(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

fn is_blank(cells: &[String]) -> bool {
    cells.iter().all(|c| c.is_empty())
}

// ---------------------------------------------------------------- CSV

fn decode(bytes: &[u8], forced: Option<&str>) -> Result<(String, &'static str)> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let forced = match forced.map(|e| e.trim().to_ascii_lowercase()) {
        None => None,
        Some(e) if e == "utf-8" || e == "utf8" => Some("utf-8"),
        Some(e) if e == "windows-1251" || e == "cp1251" => Some("windows-1251"),
        Some(_) => {
            return Err(Error::validation(
                "encoding",
                "must be utf-8 or windows-1251 (cp1251), or left out to detect",
            ));
        }
    };
    let (text, name) = match forced {
        Some("windows-1251") => (
            encoding_rs::WINDOWS_1251
                .decode_without_bom_handling(bytes)
                .0
                .into_owned(),
            "windows-1251",
        ),
        _ => {
            let (body, name) = match bytes.strip_prefix(BOM) {
                Some(body) => (body, "utf-8-bom"),
                None => (bytes, "utf-8"),
            };
            match std::str::from_utf8(body) {
                Ok(text) => (text.to_string(), name),
                Err(e) if forced.is_some() => {
                    return Err(Error::validation(
                        "encoding",
                        format!(
                            "the file is not valid utf-8 (at byte {}); try windows-1251",
                            e.valid_up_to() + (bytes.len() - body.len())
                        ),
                    ));
                }
                Err(_) => (
                    encoding_rs::WINDOWS_1251
                        .decode_without_bom_handling(bytes)
                        .0
                        .into_owned(),
                    "windows-1251",
                ),
            }
        }
    };
    let total = text.chars().count();
    let control = text
        .chars()
        .filter(|&c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
        .count();
    if text.contains('\0') || control * 20 > total {
        return Err(Error::validation(
            "file",
            "is neither a text file (csv in utf-8 or windows-1251) nor an xlsx workbook",
        ));
    }
    Ok((text, name))
}

fn csv_reader(text: &str, delimiter: u8) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes())
}

/// The number of cells of each of the first `limit` records when split by `delimiter`, quotes
/// respected the way the csv crate reads them (a quote opens a quoted cell only at the start of a cell;
/// inside one, `""` is a quote); empty lines are no records.
fn cell_counts(text: &str, delimiter: u8, limit: usize) -> Vec<usize> {
    let mut counts = Vec::new();
    let (mut cells, mut at_cell_start, mut in_quotes, mut any) = (1, true, false, false);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() && counts.len() < limit {
        let b = bytes[i];
        i += 1;
        if in_quotes {
            if b == b'"' {
                if bytes.get(i) == Some(&b'"') {
                    i += 1;
                } else {
                    in_quotes = false;
                }
            }
            continue;
        }
        match b {
            b'\r' | b'\n' => {
                if any {
                    counts.push(cells);
                }
                (cells, at_cell_start, any) = (1, true, false);
            }
            b'"' if at_cell_start => {
                (in_quotes, at_cell_start, any) = (true, false, true);
            }
            _ if b == delimiter => {
                cells += 1;
                (at_cell_start, any) = (true, true);
            }
            _ => (at_cell_start, any) = (false, true),
        }
    }
    if any && counts.len() < limit {
        counts.push(cells);
    }
    counts
}

fn detect_delimiter(text: &str) -> u8 {
    let mut best: Option<(usize, u8)> = None;
    for delimiter in DELIMITERS {
        // Rows of bare delimiters (`;;;`) count: spreadsheet programs write empty rows that way.
        let counts = cell_counts(text, delimiter, DELIMITER_SAMPLE_RECORDS);
        // How often the most frequent cell count above one occurs.
        let mut tally: Vec<(usize, usize)> = Vec::new();
        for &n in counts.iter().filter(|&&n| n > 1) {
            match tally.iter_mut().find(|(count, _)| *count == n) {
                Some(entry) => entry.1 += 1,
                None => tally.push((n, 1)),
            }
        }
        let consistent = tally.iter().map(|&(_, times)| times).max().unwrap_or(0);
        if consistent > 0 && best.is_none_or(|(score, _)| consistent > score) {
            best = Some((consistent, delimiter));
        }
    }
    best.map_or(b',', |(_, d)| d)
}

/// How many empty lines start at byte `start` (where the csv reader began looking for a record: just
/// after the previous record's `\r` or `\n`). `\r\n`, a lone `\r` and a lone `\n` each end one line.
fn blank_lines_at(text: &[u8], start: usize) -> u64 {
    let mut i = start;
    // The `\n` of the previous record's `\r\n` is not an empty line.
    if i > 0 && text.get(i - 1) == Some(&b'\r') && text.get(i) == Some(&b'\n') {
        i += 1;
    }
    let mut lines = 0;
    while let Some(&b) = text.get(i) {
        match b {
            b'\r' if text.get(i + 1) == Some(&b'\n') => i += 2,
            b'\r' | b'\n' => i += 1,
            _ => break,
        }
        lines += 1;
    }
    lines
}

fn read_csv(bytes: &[u8], kind: ImportKind, options: &ReadOptions) -> Result<Table> {
    let (text, encoding) = decode(bytes, options.encoding.as_deref())?;
    let delimiter = match options.delimiter {
        Some(c) if c.is_ascii() && !matches!(c, '"' | '\n' | '\r') => c as u8,
        Some(_) => {
            return Err(Error::validation(
                "delimiter",
                "must be one ascii character other than a quote or a line break",
            ));
        }
        None => detect_delimiter(&text),
    };

    let mut reader = csv_reader(&text, delimiter);
    let mut rows: Vec<RawRow> = Vec::new();
    let mut record = csv::StringRecord::new();
    // Row numbers: the csv crate skips empty lines, so each record's number is the previous one's
    // plus one plus the empty lines skipped before it.
    let mut row: u64 = 0;
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                return Err(Error::validation(
                    "file",
                    format!("cannot be read as csv: {e}"),
                ));
            }
        }
        let start = record.position().map_or(0, |p| p.byte() as usize);
        row += 1 + blank_lines_at(text.as_bytes(), start);
        let cells: Vec<String> = record.iter().map(|c| trim_cell(c).to_string()).collect();
        if !is_blank(&cells) {
            rows.push(RawRow { row, cells });
        }
    }
    let (headers, header_row, data) = split_header(rows, kind, options.header_row)?;
    Ok(Table {
        headers,
        rows: data,
        encoding: encoding.to_string(),
        delimiter: Some(char::from(delimiter)),
        header_row,
    })
}

// ---------------------------------------------------------------- header row

fn mapped(kind: ImportKind, cells: &[String]) -> usize {
    guess(kind, cells).iter().filter(|f| f.is_some()).count()
}

/// Picks the header among `rows` (non-empty rows in file order) and shapes the data rows after it.
/// `header_cells` gives the header candidates' cells when they differ from the data view (XLSX).
fn split_header(
    rows: Vec<RawRow>,
    kind: ImportKind,
    forced: Option<u64>,
) -> Result<(Vec<String>, u64, Vec<TableRow>)> {
    split_header_with(rows, None, kind, forced)
}

fn split_header_with(
    rows: Vec<RawRow>,
    header_view: Option<&[Vec<String>]>,
    kind: ImportKind,
    forced: Option<u64>,
) -> Result<(Vec<String>, u64, Vec<TableRow>)> {
    if rows.is_empty() {
        return Err(Error::validation(
            "file",
            "holds no rows: there is no header row",
        ));
    }
    let view = |i: usize| -> &[String] {
        header_view
            .and_then(|v| v.get(i))
            .map_or(rows[i].cells.as_slice(), |v| v.as_slice())
    };
    let index = match forced {
        Some(n) => rows.iter().position(|r| r.row == n).ok_or_else(|| {
            Error::validation(
                "header_row",
                format!("row {n} is empty or beyond the end of the file"),
            )
        })?,
        None => {
            let limit = rows.len().min(HEADER_SEARCH_ROWS);
            match (0..limit).find(|&i| mapped(kind, view(i)) >= 2) {
                Some(i)
                    if i + 1 < rows.len() && mapped(kind, view(i + 1)) > mapped(kind, view(i)) =>
                {
                    i + 1
                }
                Some(i) => i,
                None => 0,
            }
        }
    };
    let mut headers: Vec<String> = view(index).to_vec();
    while headers.last().is_some_and(|h| h.is_empty()) {
        headers.pop();
    }
    if headers.is_empty() {
        return Err(Error::validation("file", "the header row has no cells"));
    }
    let header_row = rows[index].row;
    let width = headers.len();
    let data = rows
        .into_iter()
        .skip(index + 1)
        .filter_map(|mut r| {
            r.cells.resize(width, String::new());
            (!is_blank(&r.cells)).then_some(TableRow {
                row: r.row,
                cells: r.cells,
            })
        })
        .collect();
    Ok((headers, header_row, data))
}

// ---------------------------------------------------------------- XLSX

fn unreadable(detail: impl std::fmt::Display) -> Error {
    Error::validation(
        "file",
        format!("starts like an xlsx workbook but cannot be read: {detail}"),
    )
}

/// An XLSX cell as text (see the module docs).
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) => trim_cell(s).to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_string(),
        Data::DateTime(d) => {
            let value = d.as_f64();
            if d.is_duration() || !value.is_finite() || !(0.0..3_000_000.0).contains(&value) {
                return number_text(value);
            }
            let (year, month, day, hour, minute, second, _) = d.to_ymd_hms_milli();
            let time = format!("{hour:02}:{minute:02}:{second:02}");
            if value < 1.0 {
                return time;
            }
            let valid = chrono::NaiveDate::from_ymd_opt(year.into(), month.into(), day.into());
            match valid {
                None => number_text(value),
                Some(date) if (hour, minute, second) == (0, 0, 0) => {
                    date.format("%Y-%m-%d").to_string()
                }
                Some(date) => format!("{}T{time}", date.format("%Y-%m-%d")),
            }
        }
    }
}

fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        // Whole and well inside i64: print it without a decimal point.
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn read_xlsx(bytes: &[u8], kind: ImportKind, options: &ReadOptions) -> Result<Table> {
    // calamine reads untrusted zip and XML; a panic inside it must not become ours.
    let sheet = catch_unwind(AssertUnwindSafe(|| load_sheet(bytes, options)))
        .map_err(|_| unreadable("the reader failed"))??;
    let SheetGrid {
        cells,
        first_row,
        merges,
    } = sheet;
    let height = cells.len();
    let width = cells.iter().map(Vec::len).max().unwrap_or(0);

    // `full`: every cell of a merged region shows its text; `data`: only the region's first column.
    let mut full = cells.clone();
    let mut data = cells;
    for &((r0, c0), (r1, c1)) in &merges {
        let Some(text) = full.get(r0).and_then(|r| r.get(c0)).cloned() else {
            continue;
        };
        if text.is_empty() {
            continue;
        }
        for r in r0..=r1.min(height.saturating_sub(1)) {
            for c in c0..=c1.min(width.saturating_sub(1)) {
                if let Some(cell) = full.get_mut(r).and_then(|row| row.get_mut(c)) {
                    *cell = text.clone();
                }
            }
            if let Some(cell) = data.get_mut(r).and_then(|row| row.get_mut(c0)) {
                *cell = text.clone();
            }
        }
    }

    let mut rows = Vec::new();
    let mut views = Vec::new();
    for (i, (data_cells, full_cells)) in data.into_iter().zip(full).enumerate() {
        if is_blank(&full_cells) {
            continue;
        }
        rows.push(RawRow {
            row: first_row + i as u64 + 1,
            cells: data_cells,
        });
        views.push(full_cells);
    }
    let (headers, header_row, data) =
        split_header_with(rows, Some(&views), kind, options.header_row)?;
    Ok(Table {
        headers,
        rows: data,
        encoding: "xlsx".to_string(),
        delimiter: None,
        header_row,
    })
}

/// A sheet's cells as text, from its first used row; merged regions relative to that grid.
struct SheetGrid {
    cells: Vec<Vec<String>>,
    first_row: u64,
    merges: Vec<((usize, usize), (usize, usize))>,
}

fn load_sheet(bytes: &[u8], options: &ReadOptions) -> Result<SheetGrid> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let names = workbook.sheet_names();
    let name = match &options.sheet {
        Some(wanted) => names
            .iter()
            .find(|n| *n == wanted)
            .cloned()
            .ok_or_else(|| {
                Error::validation(
                    "sheet",
                    format!("no such sheet; the workbook has: {}", names.join(", ")),
                )
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| unreadable("it has no sheets"))?,
    };
    let range = workbook.worksheet_range(&name).map_err(unreadable)?;
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    // Columns before the first used one are left out of the range; keep them so that merged regions
    // (absolute positions) line up — they are empty and cost little.
    let mut cells: Vec<Vec<String>> = Vec::with_capacity(range.height());
    for row in range.rows() {
        let mut line = vec![String::new(); first_col as usize];
        line.extend(row.iter().map(cell_text));
        cells.push(line);
    }
    let merges = match workbook.worksheet_merge_cells(&name) {
        Some(Ok(regions)) => regions
            .iter()
            .filter_map(|d| {
                let r0 = d.start.0.checked_sub(first_row)? as usize;
                let r1 = d.end.0.checked_sub(first_row)? as usize;
                let (c0, c1) = (d.start.1 as usize, d.end.1 as usize);
                (r0 <= r1 && c0 <= c1).then_some(((r0, c0), (r1, c1)))
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(SheetGrid {
        cells,
        first_row: u64::from(first_row),
        merges,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Table {
        read_table(
            text.as_bytes(),
            ImportKind::Clients,
            &ReadOptions::default(),
        )
        .unwrap()
    }

    #[test]
    fn delimiter_detection_and_ties() {
        assert_eq!(read("Назва;Телефон\nА;1\n").delimiter, Some(';'));
        assert_eq!(read("Назва,Телефон\nА,1\n").delimiter, Some(','));
        assert_eq!(read("Назва\tТелефон\nА\t1\n").delimiter, Some('\t'));
        assert_eq!(read("Назва|Телефон\nА|1\n").delimiter, Some('|'));
        // Commas inside unquoted addresses: semicolons are consistent, commas not.
        let t = read("Назва;Адреса;Телефон\nА;Київ, вул. Січова, 1;1\nБ;Львів;2\n");
        assert_eq!(t.delimiter, Some(';'));
        assert_eq!(t.rows[0].cells, ["А", "Київ, вул. Січова, 1", "1"]);
        // A tie (both split every record in two): `;` first.
        assert_eq!(read("Назва;Телефон,Email\n").delimiter, Some(';'));
        // One column: `,`.
        assert_eq!(read("Назва\nА\n").delimiter, Some(','));
    }

    #[test]
    fn cell_counts_follow_quotes_like_the_csv_crate() {
        let text = "a;\"b;\n\"\"c\";d\n\n\r\nx\"y;z;\"\"\n;;";
        assert_eq!(cell_counts(text, b';', 50), [3, 3, 3]);
        assert_eq!(cell_counts(text, b';', 2), [3, 3]);
        // Under `,` the quote after `a;` is no opening quote, so the line break ends the record.
        assert_eq!(cell_counts(text, b',', 50), [1, 1, 1, 1]);
        assert_eq!(cell_counts("", b',', 50), Vec::<usize>::new());
        // The same counts as the csv crate gives.
        let mut reader = csv_reader(text, b';');
        let from_csv: Vec<usize> = reader.records().map(|r| r.unwrap().len()).collect();
        assert_eq!(from_csv, [3, 3, 3]);
        let mut reader = csv_reader(text, b',');
        let from_csv: Vec<usize> = reader.records().map(|r| r.unwrap().len()).collect();
        assert_eq!(from_csv, [1, 1, 1, 1]);
    }

    #[test]
    fn row_numbers_count_empty_lines_but_not_quoted_newlines() {
        let t = read("Звіт\n\nНазва,Адреса,Телефон\n\"А\",\"рядок 1\nрядок 2\",1\n\n,,\nБ,x,2");
        assert_eq!(t.header_row, 3);
        assert_eq!(t.headers, ["Назва", "Адреса", "Телефон"]);
        let rows: Vec<u64> = t.rows.iter().map(|r| r.row).collect();
        assert_eq!(rows, [4, 7]);
        assert_eq!(t.rows[0].cells[1], "рядок 1\nрядок 2");
        let crlf = read("Назва,Телефон\r\n\r\nА,1\r\n");
        assert_eq!(crlf.rows[0].row, 3);
        let mixed = read("\r\nНазва,Телефон\r\nА,1\rБ,2\r\rВ,3\n\n\rГ,4");
        let rows: Vec<u64> = mixed.rows.iter().map(|r| r.row).collect();
        assert_eq!((mixed.header_row, rows), (2, vec![3, 4, 6, 9]));
    }

    #[test]
    fn cells_are_trimmed_padded_and_cut() {
        let t = read("Назва;Телефон;;\n\u{a0} А \u{a0};1;x;y\nБ\n");
        assert_eq!(t.headers, ["Назва", "Телефон"]);
        assert_eq!(t.rows[0].cells, ["А", "1"]);
        assert_eq!(t.rows[1].cells, ["Б", ""]);
    }

    #[test]
    fn encodings() {
        let bom = b"\xEF\xBB\xBFName,Phone\nA,1\n";
        let t = read_table(bom, ImportKind::Clients, &ReadOptions::default()).unwrap();
        assert_eq!(
            (t.encoding.as_str(), t.headers[0].as_str()),
            ("utf-8-bom", "Name")
        );
        let (cp, _, _) = encoding_rs::WINDOWS_1251.encode("Назва;Телефон\nБ;1\n");
        let t = read_table(&cp, ImportKind::Clients, &ReadOptions::default()).unwrap();
        assert_eq!(t.encoding, "windows-1251");
        assert_eq!(t.headers, ["Назва", "Телефон"]);
        let forced = ReadOptions {
            encoding: Some("utf-8".into()),
            ..Default::default()
        };
        let err = read_table(&cp, ImportKind::Clients, &forced).unwrap_err();
        assert_eq!(err.field(), Some("encoding"));
        let bad = ReadOptions {
            encoding: Some("koi8-u".into()),
            ..Default::default()
        };
        let err = read_table(b"a,b", ImportKind::Clients, &bad).unwrap_err();
        assert_eq!(err.field(), Some("encoding"));
        let err = read_table(
            b"\0\0\0\x01\x02",
            ImportKind::Clients,
            &ReadOptions::default(),
        );
        assert_eq!(err.unwrap_err().field(), Some("file"));
        let err = read_table(b"", ImportKind::Clients, &ReadOptions::default());
        assert_eq!(err.unwrap_err().field(), Some("file"));
    }

    #[test]
    fn forced_header_row_and_delimiter() {
        let opts = ReadOptions {
            header_row: Some(2),
            delimiter: Some(','),
            ..Default::default()
        };
        let t = read_table(b"x;y\na,b\nc,d\n", ImportKind::Orders, &opts).unwrap();
        assert_eq!(t.headers, ["a", "b"]);
        assert_eq!(t.rows.len(), 1);
        let opts = ReadOptions {
            header_row: Some(9),
            ..Default::default()
        };
        let err = read_table(b"a,b\n", ImportKind::Orders, &opts).unwrap_err();
        assert_eq!(err.field(), Some("header_row"));
        let opts = ReadOptions {
            delimiter: Some('ж'),
            ..Default::default()
        };
        let err = read_table(b"a,b\n", ImportKind::Orders, &opts).unwrap_err();
        assert_eq!(err.field(), Some("delimiter"));
    }

    #[test]
    fn numbers_print_like_a_spreadsheet_shows_them() {
        assert_eq!(number_text(380671234567.0), "380671234567");
        assert_eq!(number_text(-3.0), "-3");
        assert_eq!(number_text(1234.5), "1234.5");
        assert_eq!(number_text(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(number_text(1e20), "100000000000000000000");
    }

    #[test]
    fn a_broken_zip_is_a_file_error() {
        let err = read_table(
            b"PK\x03\x04garbage",
            ImportKind::Clients,
            &ReadOptions::default(),
        );
        assert_eq!(err.unwrap_err().field(), Some("file"));
    }
}
