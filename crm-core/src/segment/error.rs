//! Errors of the language: what went wrong, where (line:column), and a hint when one helps.

use super::ast::Span;

/// A parse or type error in an expression, with the byte span it points at.
#[derive(Debug, Clone, PartialEq)]
pub struct ExprError {
    /// Where the problem is.
    pub span: Span,
    /// What is wrong, without the position (`unknown field 'regoin'`).
    pub message: String,
    /// A suggestion, if one helps (`did you mean 'region'?`).
    pub hint: Option<String>,
}

impl ExprError {
    pub(crate) fn new(span: Span, message: impl Into<String>) -> ExprError {
        ExprError {
            span,
            message: message.into(),
            hint: None,
        }
    }

    pub(crate) fn hint(mut self, hint: Option<String>) -> ExprError {
        self.hint = hint;
        self
    }

    /// The 1-based line and column (in characters) where the error points in `text`.
    pub fn position(&self, text: &str) -> (u32, u32) {
        position(text, self.span.start)
    }

    /// The whole message with its position: `unknown field 'regoin' at 1:1; did you mean 'region'?`.
    pub fn render(&self, text: &str) -> String {
        let (line, column) = self.position(text);
        match &self.hint {
            Some(hint) => format!("{} at {line}:{column}; {hint}", self.message),
            None => format!("{} at {line}:{column}", self.message),
        }
    }
}

/// The 1-based line and column (counted in characters) of byte `offset` in `text`.
pub fn position(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// The closest of `candidates` to `word` (Damerau–Levenshtein on folded text), if it is close enough to
/// be a likely typo: at most one edit for short words, a third of the length for longer ones. Ties go to
/// the earlier candidate.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let word: Vec<char> = super::fold(word).chars().collect();
    let limit = (word.len() / 3).max(1);
    let mut best: Option<(&str, usize)> = None;
    for candidate in candidates {
        let folded: Vec<char> = super::fold(candidate).chars().collect();
        let distance = edit_distance(&word, &folded);
        if distance <= limit && best.is_none_or(|(_, d)| distance < d) {
            best = Some((candidate, distance));
        }
    }
    best.map(|(c, _)| c)
}

/// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_characters_and_lines() {
        assert_eq!(position("abc", 0), (1, 1));
        assert_eq!(position("region = 'Київ' and x", 20), (1, 17));
        assert_eq!(position("a\n  bc", 4), (2, 3));
    }

    #[test]
    fn suggestions_are_close_typos_only() {
        let fields = ["name", "region", "revenue", "orders"];
        assert_eq!(closest("regoin", fields), Some("region"));
        assert_eq!(closest("REVENUE", fields), Some("revenue"));
        assert_eq!(closest("order", fields), Some("orders"));
        assert_eq!(closest("colour", fields), None);
    }
}
