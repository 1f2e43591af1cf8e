//! Any bytes, as a spreadsheet file to import: `read_table` must answer for every kind — a table or an
//! error — and never panic or run away; a table's rows must have one cell per header and row numbers
//! that rise after the header row; the header guess and the value parsers must answer on every cell.
#![no_main]

use crm_core::ImportKind;
use crm_core::import::mapping::guess;
use crm_core::import::read::{ReadOptions, read_table};
use crm_core::import::values::{clean, parse_date, parse_datetime, parse_money, parse_quantity};
use libfuzzer_sys::fuzz_target;

const KINDS: [ImportKind; 4] = [
    ImportKind::Clients,
    ImportKind::Contacts,
    ImportKind::Leads,
    ImportKind::Orders,
];

fn check(bytes: &[u8], kind: ImportKind, options: &ReadOptions) {
    let Ok(table) = read_table(bytes, kind, options) else {
        return;
    };
    assert!(!table.headers.is_empty());
    assert!(table.header_row >= 1);
    let fields = guess(kind, &table.headers);
    assert_eq!(fields.len(), table.headers.len());
    let mut seen: Vec<&str> = fields.iter().flatten().copied().collect();
    let mapped = seen.len();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), mapped, "a field mapped twice");
    let mut last = table.header_row;
    for row in &table.rows {
        assert_eq!(row.cells.len(), table.headers.len());
        assert!(row.row > last, "row numbers must rise");
        last = row.row;
        assert!(
            row.cells.iter().any(|c| !c.is_empty()),
            "an empty row was kept"
        );
        for cell in &row.cells {
            let _ = clean(cell);
            let _ = parse_date(cell);
            let _ = parse_datetime(cell);
            let _ = parse_money(cell);
            let _ = parse_quantity(cell);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    for kind in KINDS {
        check(data, kind, &ReadOptions::default());
    }
    // The first byte also picks forced options, so that those paths are fuzzed too.
    if let Some((&first, rest)) = data.split_first() {
        let options = ReadOptions {
            encoding: Some(if first & 1 == 0 { "utf-8" } else { "cp1251" }.to_string()),
            delimiter: Some(char::from(b";,\t|:"[usize::from(first >> 1) % 5])),
            sheet: None,
            header_row: (first >> 4 != 0).then(|| u64::from(first >> 4)),
        };
        check(rest, KINDS[usize::from(first) % 4], &options);
    }
});
