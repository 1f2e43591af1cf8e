//! CSV for mailing tools and spreadsheets (RFC 4180): comma-separated, `\r\n` line ends, a field
//! quoted when it holds a comma, a quote or a line break, quotes doubled inside.
//!
//! A field that starts with `=` or `@` is prefixed with `'`: a spreadsheet would run it as a formula
//! (CSV injection). `+` and `-` are left alone, since phone numbers start with `+`.

/// One CSV record, with its line end.
pub(crate) fn record<'a>(fields: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut line = String::new();
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        let Some(text) = field else { continue };
        let guarded;
        let text = if text.starts_with('=') || text.starts_with('@') {
            guarded = format!("'{text}");
            guarded.as_str()
        } else {
            text
        };
        if text.contains([',', '"', '\n', '\r']) {
            line.push('"');
            line.push_str(&text.replace('"', "\"\""));
            line.push('"');
        } else {
            line.push_str(text);
        }
    }
    line.push_str("\r\n");
    line
}

#[cfg(test)]
mod tests {
    use super::record;

    #[test]
    fn quoting_and_formula_guard() {
        assert_eq!(record([Some("a"), None, Some("b")]), "a,,b\r\n");
        assert_eq!(
            record([Some("ТОВ \"Ромашка\", Київ"), Some("line\nbreak")]),
            "\"ТОВ \"\"Ромашка\"\", Київ\",\"line\nbreak\"\r\n"
        );
        assert_eq!(
            record([Some("=HYPERLINK(1)"), Some("+380671234567")]),
            "'=HYPERLINK(1),+380671234567\r\n"
        );
    }
}
