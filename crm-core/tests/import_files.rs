//! Reading ugly real-world spreadsheet files (crm-core/tests/data/import/, see the README there): each
//! test pins how the file was read (encoding, delimiter, header row), the headers, every cell and every
//! row number, and what the headers map to.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::PathBuf;

use crm_core::ErrorKind;
use crm_core::ImportKind;
use crm_core::import::mapping::guess;
use crm_core::import::read::{ReadOptions, read_table};
use crm_core::import::values::{parse_date, parse_datetime, parse_money, parse_quantity};
use crm_core::import::{Table, TableRow};
use rust_xlsxwriter::{ExcelDateTime, Format, FormatAlign, Workbook};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/import")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(name: &str, kind: ImportKind) -> Table {
    read_table(&fixture(name), kind, &ReadOptions::default()).unwrap()
}

fn row(n: u64, cells: &[&str]) -> TableRow {
    TableRow {
        row: n,
        cells: cells.iter().map(|c| c.to_string()).collect(),
    }
}

#[test]
fn utf8_with_bom_semicolons_and_crlf() {
    let t = read("clients_utf8_bom_semicolon.csv", ImportKind::Clients);
    assert_eq!(t.encoding, "utf-8-bom");
    assert_eq!(t.delimiter, Some(';'));
    assert_eq!(t.header_row, 1);
    // The BOM is not part of the first header.
    assert_eq!(
        t.headers,
        [
            "Код клієнта",
            "Назва",
            "Код ЄДРПОУ",
            "Телефон",
            "E-mail",
            "Місто"
        ]
    );
    assert_eq!(
        t.rows,
        [
            row(
                2,
                &[
                    "C-001",
                    "ТОВ Альфа",
                    "12345678",
                    "+380 67 123 45 67",
                    "info@alfa.ua",
                    "Київ"
                ]
            ),
            row(
                3,
                &[
                    "C-002",
                    "ФОП Бондаренко О. П.",
                    "3012345678",
                    "067-765-43-21",
                    "",
                    "Львів"
                ]
            ),
            row(
                4,
                &[
                    "C-003",
                    "ПП «Гамма»",
                    "",
                    "(044) 555-12-12",
                    "office@gamma.com.ua",
                    ""
                ]
            ),
        ]
    );
    assert_eq!(
        guess(ImportKind::Clients, &t.headers),
        [
            Some("external_ref"),
            Some("name"),
            Some("tax_id"),
            Some("phone"),
            Some("email"),
            Some("region")
        ]
    );
}

#[test]
fn windows_1251_export_of_1c_with_a_title_and_nbsp_thousands() {
    let t = read("orders_1c_cp1251.csv", ImportKind::Orders);
    assert_eq!(t.encoding, "windows-1251");
    assert_eq!(t.delimiter, Some(';'));
    // Two title lines above the table are skipped; the trailing `;` adds no header.
    assert_eq!(t.header_row, 3);
    assert_eq!(
        t.headers,
        [
            "Номер",
            "Дата",
            "Контрагент",
            "ИНН",
            "Номенклатура",
            "Количество",
            "Цена",
            "Сумма"
        ]
    );
    assert_eq!(
        t.rows,
        [
            row(
                4,
                &[
                    "ЦБ-000123",
                    "01.12.2025 10:15:00",
                    "ООО \"Ромашка\"",
                    "1234567890",
                    "Бумага А4",
                    "2",
                    "617,25",
                    "1\u{a0}234,50"
                ]
            ),
            row(
                5,
                &[
                    "ЦБ-000124",
                    "02.12.2025 16:40:00",
                    "ИП Ёлкин",
                    "",
                    "Ручка синяя",
                    "100",
                    "12,00",
                    "1\u{a0}200,00"
                ]
            ),
        ]
    );
    assert_eq!(
        guess(ImportKind::Orders, &t.headers),
        [
            Some("external_ref"),
            Some("placed_at"),
            Some("client_name"),
            Some("client_tax_id"),
            Some("product"),
            Some("quantity"),
            Some("price"),
            Some("total")
        ]
    );
    let first = &t.rows[0].cells;
    assert_eq!(parse_money(&first[7]).unwrap().minor(), 123_450);
    assert_eq!(parse_money(&first[6]).unwrap().minor(), 61_725);
    assert_eq!(parse_quantity(&first[5]), Ok(2));
    assert_eq!(
        parse_datetime(&first[1]).unwrap().to_string(),
        "2025-12-01 10:15:00"
    );

    // Forcing UTF-8 on these bytes is refused, not read as mojibake.
    let forced = ReadOptions {
        encoding: Some("utf-8".into()),
        ..Default::default()
    };
    let err = read_table(
        &fixture("orders_1c_cp1251.csv"),
        ImportKind::Orders,
        &forced,
    );
    common::expect_err(err, ErrorKind::Validation, Some("encoding"));
    // Forcing cp1251 gives the same table.
    let forced = ReadOptions {
        encoding: Some("cp1251".into()),
        ..Default::default()
    };
    let again = read_table(
        &fixture("orders_1c_cp1251.csv"),
        ImportKind::Orders,
        &forced,
    );
    assert_eq!(again.unwrap(), t);
}

#[test]
fn quoted_newlines_and_doubled_quotes() {
    let t = read("clients_quoted_newlines.csv", ImportKind::Clients);
    assert_eq!(t.encoding, "utf-8");
    assert_eq!(t.delimiter, Some(','));
    assert_eq!(t.header_row, 1);
    assert_eq!(t.headers, ["Назва", "Адреса", "Телефон", "Коментар"]);
    assert_eq!(
        t.rows,
        [
            // The address spans three lines of the file but is one row.
            row(
                2,
                &[
                    "ТОВ \"Ромашка\"",
                    "м. Київ,\nвул. Хрещатик, 1,\nоф. 5",
                    "+380441234567",
                    "перший \"великий\" клієнт"
                ]
            ),
            row(
                3,
                &["ПП Сонях", "Одеса, вул. Дерибасівська, 3", "0487777777", ""]
            ),
        ]
    );
    assert_eq!(
        guess(ImportKind::Clients, &t.headers),
        [Some("name"), Some("address"), Some("phone"), None]
    );
}

#[test]
fn a_title_row_and_empty_rows() {
    let t = read("clients_title_empty_rows.csv", ImportKind::Clients);
    assert_eq!(t.encoding, "utf-8");
    assert_eq!(t.delimiter, Some(';'));
    assert_eq!(t.header_row, 4);
    assert_eq!(t.headers, ["Назва", "Телефон", "Email", "Менеджер"]);
    // Rows 6, 7 and 9 are empty (bare delimiters or an empty line) and left out, but counted.
    assert_eq!(
        t.rows,
        [
            row(
                5,
                &["ТОВ Вега", "0671112233", "vega@example.com", "Іваненко"]
            ),
            row(8, &["ФОП Дельта", "0502223344", "", ""]),
        ]
    );
    // The header row given by the caller: the title becomes the (only) header.
    let forced = ReadOptions {
        header_row: Some(1),
        ..Default::default()
    };
    let t = read_table(
        &fixture("clients_title_empty_rows.csv"),
        ImportKind::Clients,
        &forced,
    )
    .unwrap();
    assert_eq!(t.headers, ["Клієнти станом на 01.01.2025"]);
    assert_eq!(t.rows.iter().map(|r| r.row).collect::<Vec<_>>(), [4, 5, 8]);
    // An empty row cannot be the header.
    let forced = ReadOptions {
        header_row: Some(2),
        ..Default::default()
    };
    let err = read_table(
        &fixture("clients_title_empty_rows.csv"),
        ImportKind::Clients,
        &forced,
    );
    common::expect_err(err, ErrorKind::Validation, Some("header_row"));
}

#[test]
fn tab_separated_leads() {
    let t = read("leads_tab.tsv", ImportKind::Leads);
    assert_eq!(t.encoding, "utf-8");
    assert_eq!(t.delimiter, Some('\t'));
    assert_eq!(t.header_row, 1);
    assert_eq!(
        t.headers,
        [
            "Дата обращения",
            "ФИО",
            "Компания",
            "Телефон",
            "Потребность",
            "Источник"
        ]
    );
    assert_eq!(
        t.rows,
        [
            row(
                2,
                &[
                    "31.12.2025 14:30",
                    "Петров Пётр",
                    "ООО Север",
                    "+7 (495) 123-45-67",
                    "Нужна CRM на 10 мест",
                    "google"
                ]
            ),
            row(
                3,
                &[
                    "01.01.2026 09:00",
                    "Smith, John",
                    "",
                    "+44 20 7946 0958",
                    "",
                    ""
                ]
            ),
        ]
    );
    assert_eq!(
        guess(ImportKind::Leads, &t.headers),
        [
            Some("created_at"),
            Some("name"),
            Some("company"),
            Some("phone"),
            Some("need"),
            Some("source")
        ]
    );
}

/// A workbook as a person keeps it: a merged title row, a merged group header «Контакт» over
/// «Телефон» and «E-mail» with the other headers merged down over both header rows, phones typed as
/// numbers, real Excel dates, an empty row, a manager merged down over two rows, and a second sheet.
fn legacy_workbook() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let center = Format::new().set_align(FormatAlign::Center);
    let date = Format::new().set_num_format("dd.mm.yyyy");
    let datetime = Format::new().set_num_format("dd.mm.yyyy hh:mm");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Клієнти").unwrap();
    sheet
        .merge_range(0, 0, 0, 6, "Клієнти станом на 01.01.2025", &center)
        .unwrap();
    for (col, title) in [
        (0, "Назва"),
        (1, "ЄДРПОУ"),
        (4, "Дата народження"),
        (5, "Менеджер"),
        (6, "Примітка"),
    ] {
        sheet.merge_range(1, col, 2, col, title, &center).unwrap();
    }
    sheet.merge_range(1, 2, 1, 3, "Контакт", &center).unwrap();
    sheet.write_string(2, 2, "Телефон").unwrap();
    sheet.write_string(2, 3, "E-mail").unwrap();

    sheet.write_string(3, 0, "ТОВ Альфа").unwrap();
    sheet.write_number(3, 1, 12345678.0).unwrap();
    sheet.write_number(3, 2, 380671234567.0).unwrap();
    sheet.write_string(3, 3, "info@alfa.ua").unwrap();
    let born = ExcelDateTime::from_ymd(1985, 3, 5).unwrap();
    sheet
        .write_datetime_with_format(3, 4, &born, &date)
        .unwrap();
    sheet.write_string(3, 5, "Іваненко").unwrap();
    sheet.write_number(3, 6, 4.75).unwrap();
    // Row 5 (index 4) is left empty.
    sheet.write_string(5, 0, "ФОП Бета").unwrap();
    sheet.write_string(5, 1, "3012345678").unwrap();
    // A phone with its leading zero lost: Excel turned 0671112233 into a number.
    sheet.write_number(5, 2, 671112233.0).unwrap();
    let at = ExcelDateTime::from_ymd(2025, 12, 31)
        .unwrap()
        .and_hms(14, 30, 0)
        .unwrap();
    sheet
        .write_datetime_with_format(5, 4, &at, &datetime)
        .unwrap();
    sheet.merge_range(5, 5, 6, 5, "Петренко", &center).unwrap();
    sheet.write_boolean(5, 6, true).unwrap();
    sheet.write_string(6, 0, "ПП Гамма").unwrap();
    sheet
        .write_string(6, 2, " \u{a0}+380 44 555 12 12\u{a0}")
        .unwrap();
    sheet.write_string(6, 3, "gamma@x.ua").unwrap();
    sheet.write_string(6, 6, "   ").unwrap();

    let second = workbook.add_worksheet();
    second.set_name("Довідник").unwrap();
    second.write_string(0, 1, "Name").unwrap();
    second.write_string(0, 2, "Phone").unwrap();
    second.write_string(1, 1, "Alpha").unwrap();
    second.write_number(1, 2, 1.5).unwrap();
    workbook.save_to_buffer().unwrap()
}

#[test]
fn xlsx_with_merged_headers_numbers_and_dates() {
    let bytes = legacy_workbook();
    let t = read_table(&bytes, ImportKind::Clients, &ReadOptions::default()).unwrap();
    assert_eq!(t.encoding, "xlsx");
    assert_eq!(t.delimiter, None);
    // Row 2 («Назва», «ЄДРПОУ», «Контакт», «Контакт», …) maps five fields, the sub-header row 3 six.
    assert_eq!(t.header_row, 3);
    assert_eq!(
        t.headers,
        [
            "Назва",
            "ЄДРПОУ",
            "Телефон",
            "E-mail",
            "Дата народження",
            "Менеджер",
            "Примітка"
        ]
    );
    assert_eq!(
        t.rows,
        [
            row(
                4,
                &[
                    "ТОВ Альфа",
                    "12345678",
                    "380671234567",
                    "info@alfa.ua",
                    "1985-03-05",
                    "Іваненко",
                    "4.75"
                ]
            ),
            row(
                6,
                &[
                    "ФОП Бета",
                    "3012345678",
                    "671112233",
                    "",
                    "2025-12-31T14:30:00",
                    "Петренко",
                    "true"
                ]
            ),
            // The manager merged down over rows 6 and 7 belongs to both.
            row(
                7,
                &[
                    "ПП Гамма",
                    "",
                    "+380 44 555 12 12",
                    "gamma@x.ua",
                    "",
                    "Петренко",
                    ""
                ]
            ),
        ]
    );
    assert_eq!(
        guess(ImportKind::Clients, &t.headers),
        [
            Some("name"),
            Some("tax_id"),
            Some("phone"),
            Some("email"),
            Some("birth_date"),
            Some("owner"),
            None
        ]
    );
    assert_eq!(
        parse_date(&t.rows[0].cells[4]).unwrap().to_string(),
        "1985-03-05"
    );
    assert_eq!(
        parse_datetime(&t.rows[1].cells[4]).unwrap().to_string(),
        "2025-12-31 14:30:00"
    );

    // The group header row, when forced, shows the merged «Контакт» over both of its columns.
    let forced = ReadOptions {
        header_row: Some(2),
        ..Default::default()
    };
    let t = read_table(&bytes, ImportKind::Clients, &forced).unwrap();
    assert_eq!(
        t.headers,
        [
            "Назва",
            "ЄДРПОУ",
            "Контакт",
            "Контакт",
            "Дата народження",
            "Менеджер",
            "Примітка"
        ]
    );
    // The sub-header row is data now, and its merged-down cells show only in their first column.
    assert_eq!(
        t.rows[0],
        row(
            3,
            &[
                "Назва",
                "ЄДРПОУ",
                "Телефон",
                "E-mail",
                "Дата народження",
                "Менеджер",
                "Примітка"
            ]
        )
    );
}

#[test]
fn xlsx_sheets_by_name() {
    let bytes = legacy_workbook();
    let second = ReadOptions {
        sheet: Some("Довідник".into()),
        ..Default::default()
    };
    let t = read_table(&bytes, ImportKind::Clients, &second).unwrap();
    // The sheet's used range starts at column B; column A stays, empty.
    assert_eq!(t.headers, ["", "Name", "Phone"]);
    assert_eq!(t.header_row, 1);
    assert_eq!(t.rows, [row(2, &["", "Alpha", "1.5"])]);

    let missing = ReadOptions {
        sheet: Some("Sheet1".into()),
        ..Default::default()
    };
    let err = read_table(&bytes, ImportKind::Clients, &missing).unwrap_err();
    assert_eq!(err.field(), Some("sheet"));
    assert_eq!(
        err.to_string(),
        "sheet: no such sheet; the workbook has: Клієнти, Довідник"
    );
}

#[test]
fn files_that_are_not_tables() {
    let none = ReadOptions::default();
    for bytes in [
        &b""[..],
        b"\n\n\r\n",
        b";;;\n;;;\n",
        b"\x00\x01\x02\x03binary\x00",
        b"PK\x03\x04\x14\x00\x00\x00",
    ] {
        let err = read_table(bytes, ImportKind::Clients, &none);
        common::expect_err(err, ErrorKind::Validation, Some("file"));
    }
}

/// A small deterministic generator (xorshift), so that a failure replays.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn exercise(bytes: &[u8]) {
    for kind in [
        ImportKind::Clients,
        ImportKind::Contacts,
        ImportKind::Leads,
        ImportKind::Orders,
    ] {
        if let Ok(table) = read_table(bytes, kind, &ReadOptions::default()) {
            assert!(!table.headers.is_empty());
            let fields = guess(kind, &table.headers);
            assert_eq!(fields.len(), table.headers.len());
            for r in &table.rows {
                assert_eq!(r.cells.len(), table.headers.len());
                assert!(r.row > table.header_row);
                for cell in &r.cells {
                    let _ = (
                        parse_date(cell),
                        parse_datetime(cell),
                        parse_money(cell),
                        parse_quantity(cell),
                    );
                }
            }
        }
    }
}

#[test]
fn random_and_mangled_bytes_never_panic() {
    let mut rng = Bytes(0x9E37_79B9_7F4A_7C15);
    // Bytes that matter to a CSV reader, Cyrillic in both encodings, and anything at all.
    let alphabet: &[u8] =
        b";,\t|\"\r\n  .-:0123456789aZ\xd0\xd1\x90\xbf\xef\xbb\xbf\xa0\xc0\xff\x00";
    for _ in 0..3000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                if rng.below(4) == 0 {
                    rng.next() as u8
                } else {
                    alphabet[rng.below(alphabet.len())]
                }
            })
            .collect();
        exercise(&bytes);
    }
    let mut originals: Vec<Vec<u8>> = [
        "clients_utf8_bom_semicolon.csv",
        "orders_1c_cp1251.csv",
        "clients_quoted_newlines.csv",
        "clients_title_empty_rows.csv",
        "leads_tab.tsv",
    ]
    .iter()
    .map(|name| fixture(name))
    .collect();
    originals.push(legacy_workbook());
    for original in &originals {
        for _ in 0..150 {
            let mut bytes = original.clone();
            for _ in 0..=rng.below(8) {
                let at = rng.below(bytes.len());
                bytes[at] = rng.next() as u8;
            }
            if original.starts_with(b"PK") {
                // Keep the zip signature so that the workbook reader, not the CSV one, sees it.
                bytes[..4].copy_from_slice(b"PK\x03\x04");
            }
            exercise(&bytes);
            let cut = rng.below(original.len());
            exercise(&original[..cut]);
        }
    }
}
