//! Text to tokens. Every token keeps its byte span, so an error can point at line and column.

use super::ast::Span;
use super::error::ExprError;

/// One token of an expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Token {
    /// A word: a keyword (`and`, `in`, `null` …) or a field name, possibly dotted (`attributes.colour`,
    /// `attributes."loyalty card"`). Keywords are recognised by the parser, case-insensitively.
    Word(Vec<String>),
    /// Text in single quotes, with `''` already turned into `'`.
    Text(String),
    /// Digits with an optional fraction, exactly as written (no sign).
    Number(String),
    /// A calendar date `YYYY-MM-DD`, checked.
    Date(chrono::NaiveDate),
    /// A duration: amount and unit (`d`, `w` or `h`).
    Duration(u64, char),
    /// `=`, `!=`, `<`, `<=`, `>`, `>=` (and the spellings `==`, `<>`).
    Op(&'static str),
    /// `-` before a number.
    Minus,
    /// `(`
    Open,
    /// `)`
    Close,
    /// `,`
    Comma,
}

impl Token {
    /// How the token is named in an error message.
    pub(crate) fn describe(&self) -> String {
        match self {
            Token::Word(parts) => format!("'{}'", parts.join(".")),
            Token::Text(_) => "text".into(),
            Token::Number(n) => format!("number {n}"),
            Token::Date(d) => format!("date {d}"),
            Token::Duration(n, u) => format!("duration {n}{u}"),
            Token::Op(op) => format!("'{op}'"),
            Token::Minus => "'-'".into(),
            Token::Open => "'('".into(),
            Token::Close => "')'".into(),
            Token::Comma => "','".into(),
        }
    }
}

/// A token and where it stands.
#[derive(Debug, Clone)]
pub(crate) struct Spanned {
    pub(crate) token: Token,
    pub(crate) span: Span,
}

fn is_word_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Splits `text` into tokens; `--` starts a comment that runs to the end of the line.
pub(crate) fn lex(text: &str) -> Result<Vec<Spanned>, ExprError> {
    let mut lexer = Lexer {
        text,
        pos: 0,
        tokens: Vec::new(),
    };
    lexer.run()?;
    Ok(lexer.tokens)
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    tokens: Vec<Spanned>,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.text[self.pos..].chars().nth(ahead)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn push(&mut self, token: Token, start: usize) {
        self.tokens.push(Spanned {
            token,
            span: Span::new(start, self.pos),
        });
    }

    fn run(&mut self) -> Result<(), ExprError> {
        while let Some(c) = self.peek() {
            let start = self.pos;
            match c {
                c if c.is_whitespace() => {
                    self.bump();
                }
                '-' if self.peek_at(1) == Some('-') => {
                    while let Some(c) = self.bump() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                '-' => {
                    self.bump();
                    self.push(Token::Minus, start);
                }
                '(' | ')' | ',' => {
                    self.bump();
                    let token = match c {
                        '(' => Token::Open,
                        ')' => Token::Close,
                        _ => Token::Comma,
                    };
                    self.push(token, start);
                }
                '=' | '!' | '<' | '>' => self.operator(start)?,
                '\'' => self.text_literal(start)?,
                c if c.is_ascii_digit() => self.number(start)?,
                c if is_word_start(c) => self.word(start)?,
                '"' => {
                    return Err(ExprError::new(
                        Span::new(start, start + 1),
                        "text goes in single quotes ('Kyiv'); double quotes are only for an attribute key with spaces (attributes.\"loyalty card\")",
                    ));
                }
                other => {
                    return Err(ExprError::new(
                        Span::new(start, start + other.len_utf8()),
                        format!("unexpected character {other:?}"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn operator(&mut self, start: usize) -> Result<(), ExprError> {
        let first = self.bump();
        let second = self.peek();
        let op = match (first, second) {
            (Some('='), Some('=')) => Some("="),
            (Some('!'), Some('=')) => Some("!="),
            (Some('<'), Some('>')) => Some("!="),
            (Some('<'), Some('=')) => Some("<="),
            (Some('>'), Some('=')) => Some(">="),
            _ => None,
        };
        let op = match op {
            Some(op) => {
                self.bump();
                op
            }
            None => match first {
                Some('=') => "=",
                Some('<') => "<",
                Some('>') => ">",
                _ => {
                    return Err(ExprError::new(
                        Span::new(start, self.pos),
                        "'!' must be followed by '=' (write 'not' to negate a condition)",
                    ));
                }
            },
        };
        self.push(Token::Op(op), start);
        Ok(())
    }

    fn text_literal(&mut self, start: usize) -> Result<(), ExprError> {
        self.bump();
        let mut value = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(ExprError::new(
                        Span::new(start, start + 1),
                        "text is not closed: a closing ' is missing (write '' for a quote inside text)",
                    ));
                }
                Some('\'') if self.peek() == Some('\'') => {
                    self.bump();
                    value.push('\'');
                }
                Some('\'') => break,
                Some(c) => value.push(c),
            }
        }
        self.push(Token::Text(value), start);
        Ok(())
    }

    fn digits(&mut self) -> &str {
        let from = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
        }
        &self.text[from..self.pos]
    }

    fn number(&mut self, start: usize) -> Result<(), ExprError> {
        let whole = self.digits().to_string();
        // A date: four digits, '-', two digits, '-', two digits.
        if whole.len() == 4 && self.peek() == Some('-') {
            return self.date(start);
        }
        let mut number = whole;
        if self.peek() == Some('.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.bump();
            number.push('.');
            number.push_str(self.digits());
        }
        match self.peek() {
            Some(unit @ ('d' | 'w' | 'h'))
                if !self.peek_at(1).is_some_and(is_word_char) && !number.contains('.') =>
            {
                self.bump();
                let amount = number.parse::<u64>().map_err(|_| {
                    ExprError::new(Span::new(start, self.pos), "duration is too long")
                })?;
                self.push(Token::Duration(amount, unit), start);
            }
            Some(c) if is_word_char(c) || c == '.' => {
                let end = self.pos + c.len_utf8();
                return Err(ExprError::new(
                    Span::new(start, end),
                    format!(
                        "unexpected {c:?} after the number {number} (a duration is written 90d, 2w or 4h; a date 2026-11-01)"
                    ),
                ));
            }
            _ => self.push(Token::Number(number), start),
        }
        Ok(())
    }

    fn date(&mut self, start: usize) -> Result<(), ExprError> {
        // Take the longest run of digits and dashes, then check its shape.
        while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '-') {
            self.bump();
        }
        let written = &self.text[start..self.pos];
        let span = Span::new(start, self.pos);
        let shape_ok = written.len() == 10
            && written.char_indices().all(|(i, c)| {
                if i == 4 || i == 7 {
                    c == '-'
                } else {
                    c.is_ascii_digit()
                }
            });
        if !shape_ok {
            return Err(ExprError::new(
                span,
                format!("'{written}' is not a date: write dates as YYYY-MM-DD"),
            ));
        }
        let date = chrono::NaiveDate::parse_from_str(written, "%Y-%m-%d").map_err(|_| {
            ExprError::new(span, format!("{written} is not a date in the calendar"))
        })?;
        if self.peek().is_some_and(is_word_char) {
            return Err(ExprError::new(
                Span::new(start, self.pos + 1),
                "a date must stand alone (times of day are not part of the language)",
            ));
        }
        self.push(Token::Date(date), start);
        Ok(())
    }

    fn word(&mut self, start: usize) -> Result<(), ExprError> {
        let mut parts = Vec::new();
        let from = self.pos;
        while self.peek().is_some_and(is_word_char) {
            self.bump();
        }
        parts.push(self.text[from..self.pos].to_string());
        while self.peek() == Some('.') {
            let dot = self.pos;
            self.bump();
            match self.peek() {
                Some('"') => parts.push(self.quoted_key(dot)?),
                Some(c) if is_word_char(c) => {
                    let from = self.pos;
                    while self.peek().is_some_and(is_word_char) {
                        self.bump();
                    }
                    parts.push(self.text[from..self.pos].to_string());
                }
                _ => {
                    return Err(ExprError::new(
                        Span::new(dot, dot + 1),
                        "a '.' in a field name must be followed by a key (attributes.colour)",
                    ));
                }
            }
        }
        self.push(Token::Word(parts), start);
        Ok(())
    }

    fn quoted_key(&mut self, dot: usize) -> Result<String, ExprError> {
        let open = self.pos;
        self.bump();
        let mut key = String::new();
        loop {
            match self.bump() {
                None => {
                    return Err(ExprError::new(
                        Span::new(open, open + 1),
                        "attribute key is not closed: a closing \" is missing",
                    ));
                }
                Some('"') => break,
                Some(c) if c.is_control() => {
                    return Err(ExprError::new(
                        Span::new(dot, self.pos),
                        "an attribute key cannot hold control characters",
                    ));
                }
                Some(c) => key.push(c),
            }
        }
        if key.is_empty() {
            return Err(ExprError::new(
                Span::new(open, self.pos),
                "an attribute key cannot be empty",
            ));
        }
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<Token> {
        lex(text)
            .unwrap_or_default()
            .into_iter()
            .map(|s| s.token)
            .collect()
    }

    #[test]
    fn words_text_numbers_dates_durations() {
        assert_eq!(
            tokens(
                "Region = 'Київ' and revenue >= 1500.50 -- a comment\n or last_order < 2026-11-01 or x > 90d"
            ),
            vec![
                Token::Word(vec!["Region".into()]),
                Token::Op("="),
                Token::Text("Київ".into()),
                Token::Word(vec!["and".into()]),
                Token::Word(vec!["revenue".into()]),
                Token::Op(">="),
                Token::Number("1500.50".into()),
                Token::Word(vec!["or".into()]),
                Token::Word(vec!["last_order".into()]),
                Token::Op("<"),
                Token::Date(chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default()),
                Token::Word(vec!["or".into()]),
                Token::Word(vec!["x".into()]),
                Token::Op(">"),
                Token::Duration(90, 'd'),
            ]
        );
    }

    #[test]
    fn quotes_are_doubled_inside_text() {
        assert_eq!(
            tokens("name = 'x''); DROP TABLE clients; --'"),
            vec![
                Token::Word(vec!["name".into()]),
                Token::Op("="),
                Token::Text("x'); DROP TABLE clients; --".into()),
            ]
        );
    }

    #[test]
    fn dotted_and_quoted_attribute_keys() {
        assert_eq!(
            tokens("attributes.\"loyalty card\".level"),
            vec![Token::Word(vec![
                "attributes".into(),
                "loyalty card".into(),
                "level".into()
            ])]
        );
    }

    #[test]
    fn spellings_of_operators() {
        assert_eq!(
            tokens("== <> != <= >= < >"),
            vec![
                Token::Op("="),
                Token::Op("!="),
                Token::Op("!="),
                Token::Op("<="),
                Token::Op(">="),
                Token::Op("<"),
                Token::Op(">"),
            ]
        );
    }

    #[test]
    fn bad_dates_and_unclosed_text_are_refused() {
        assert!(lex("created > 2026-02-30").is_err());
        assert!(lex("created > 2026-2-3").is_err());
        assert!(lex("name = 'open").is_err());
        assert!(lex("orders > 5x").is_err());
        assert!(lex("a ! b").is_err());
    }
}
