//! Tokens to a syntax tree, by recursive descent with bounded depth.
//!
//! ```text
//! expr      := and ('or' and)*
//! and       := unary ('and' unary)*
//! unary     := 'not' unary | primary
//! primary   := '(' expr ')' | 'has' 'tag' value | field test
//! test      := op value | 'not'? 'in' '(' value (',' value)* ')' | 'not'? 'between' value 'and' value
//!            | 'not'? 'contains' value | 'not'? 'starts' 'with' value | 'is' 'not'? 'null'
//! value     := text | '-'? number | date | duration 'ago'? | 'true' | 'false'
//! ```

use super::ast::{CmpOp, Expr, FieldName, Literal, Span, Value};
use super::error::ExprError;
use super::lexer::{Spanned, Token, lex};
use super::{MAX_CONDITIONS, MAX_DEPTH, MAX_LENGTH, MAX_VALUES};

/// Words that cannot name a field.
pub(crate) const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "between", "is", "null", "has", "tag", "contains", "starts", "with",
    "true", "false", "ago",
];

/// Parses an expression. Refuses text longer than [`MAX_LENGTH`] bytes, nesting deeper than
/// [`MAX_DEPTH`], more than [`MAX_CONDITIONS`] conditions or [`MAX_VALUES`] values.
pub fn parse(text: &str) -> Result<Expr, ExprError> {
    if text.len() > MAX_LENGTH {
        return Err(ExprError::new(
            Span::new(MAX_LENGTH, MAX_LENGTH),
            format!("expression is longer than {MAX_LENGTH} bytes"),
        ));
    }
    let tokens = lex(text)?;
    let mut parser = Parser {
        tokens,
        pos: 0,
        depth: 0,
        conditions: 0,
        values: 0,
        end: text.len(),
    };
    if parser.tokens.is_empty() {
        return Err(ExprError::new(
            Span::new(0, text.len()),
            "nothing to evaluate: expected a condition such as region = 'Kyiv'",
        ));
    }
    let expr = parser.or()?;
    if let Some(extra) = parser.tokens.get(parser.pos) {
        return Err(ExprError::new(
            extra.span,
            format!(
                "expected 'and', 'or' or the end of the expression, found {}",
                extra.token.describe()
            ),
        ));
    }
    Ok(expr)
}

struct Parser {
    tokens: Vec<Spanned>,
    pos: usize,
    depth: usize,
    conditions: usize,
    values: usize,
    end: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Spanned> {
        self.tokens.get(self.pos)
    }

    fn peek_keyword(&self, word: &str) -> bool {
        self.keyword_at(self.pos, word)
    }

    fn keyword_at(&self, pos: usize, word: &str) -> bool {
        matches!(self.tokens.get(pos), Some(Spanned { token: Token::Word(parts), .. })
            if parts.len() == 1 && parts[0].eq_ignore_ascii_case(word))
    }

    fn eat_keyword(&mut self, word: &str) -> bool {
        if self.peek_keyword(word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// The span to blame when something is missing: the next token, or the end of the text.
    fn here(&self) -> Span {
        self.peek()
            .map_or(Span::new(self.end, self.end), |t| t.span)
    }

    fn found(&self) -> String {
        self.peek()
            .map_or("the end of the expression".into(), |t| t.token.describe())
    }

    fn expected(&self, what: &str) -> ExprError {
        ExprError::new(
            self.here(),
            format!("expected {what}, found {}", self.found()),
        )
    }

    fn expect_keyword(&mut self, word: &str, what: &str) -> Result<(), ExprError> {
        if self.eat_keyword(word) {
            Ok(())
        } else {
            Err(self.expected(what))
        }
    }

    fn enter(&mut self) -> Result<(), ExprError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(ExprError::new(
                self.here(),
                format!("expression is nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn or(&mut self) -> Result<Expr, ExprError> {
        let mut items = vec![self.and()?];
        while self.eat_keyword("or") {
            items.push(self.and()?);
        }
        Ok(if items.len() == 1 {
            items.swap_remove(0)
        } else {
            Expr::Or(items)
        })
    }

    fn and(&mut self) -> Result<Expr, ExprError> {
        let mut items = vec![self.unary()?];
        while self.eat_keyword("and") {
            items.push(self.unary()?);
        }
        Ok(if items.len() == 1 {
            items.swap_remove(0)
        } else {
            Expr::And(items)
        })
    }

    fn unary(&mut self) -> Result<Expr, ExprError> {
        if self.eat_keyword("not") {
            self.enter()?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Expr::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Expr, ExprError> {
        match self.peek() {
            Some(Spanned {
                token: Token::Open, ..
            }) => {
                self.pos += 1;
                self.enter()?;
                let inner = self.or()?;
                self.depth -= 1;
                match self.peek() {
                    Some(Spanned {
                        token: Token::Close,
                        ..
                    }) => {
                        self.pos += 1;
                        Ok(inner)
                    }
                    _ => Err(self.expected("')'")),
                }
            }
            Some(Spanned {
                token: Token::Word(_),
                span,
            }) if self.peek_keyword("has") => {
                let span = *span;
                self.pos += 1;
                self.expect_keyword("tag", "'tag' after 'has' (has tag 'vip')")?;
                let tag = self.value()?;
                self.count_condition(span)?;
                Ok(Expr::HasTag { tag, span })
            }
            Some(Spanned {
                token: Token::Word(parts),
                span,
            }) => {
                if parts.len() == 1 && KEYWORDS.iter().any(|k| parts[0].eq_ignore_ascii_case(k)) {
                    return Err(self.expected("a field name or '('"));
                }
                let field = FieldName {
                    parts: parts.clone(),
                    span: *span,
                };
                self.pos += 1;
                self.count_condition(field.span)?;
                self.test(field)
            }
            _ => Err(self.expected("a condition (a field name, 'not', 'has tag' or '(')")),
        }
    }

    fn count_condition(&mut self, span: Span) -> Result<(), ExprError> {
        self.conditions += 1;
        if self.conditions > MAX_CONDITIONS {
            return Err(ExprError::new(
                span,
                format!("expression has more than {MAX_CONDITIONS} conditions"),
            ));
        }
        Ok(())
    }

    fn test(&mut self, field: FieldName) -> Result<Expr, ExprError> {
        if let Some(Spanned {
            token: Token::Op(op),
            ..
        }) = self.peek()
        {
            let op = match *op {
                "=" => CmpOp::Eq,
                "!=" => CmpOp::Ne,
                "<" => CmpOp::Lt,
                "<=" => CmpOp::Le,
                ">" => CmpOp::Gt,
                _ => CmpOp::Ge,
            };
            self.pos += 1;
            let value = self.value()?;
            return Ok(Expr::Compare { field, op, value });
        }
        if self.eat_keyword("is") {
            let negated = self.eat_keyword("not");
            self.expect_keyword("null", "'null' after 'is'")?;
            return Ok(Expr::IsNull { field, negated });
        }
        let negated = self.eat_keyword("not");
        if self.eat_keyword("in") {
            return self.list(field, negated);
        }
        if self.eat_keyword("between") {
            let low = self.value()?;
            self.expect_keyword("and", "'and' between the two ends (between 10 and 20)")?;
            let high = self.value()?;
            return Ok(Expr::Between {
                field,
                negated,
                low,
                high,
            });
        }
        if self.eat_keyword("contains") {
            let value = self.value()?;
            return Ok(Expr::Contains {
                field,
                negated,
                value,
            });
        }
        if self.eat_keyword("starts") {
            self.expect_keyword("with", "'with' after 'starts'")?;
            let value = self.value()?;
            return Ok(Expr::StartsWith {
                field,
                negated,
                value,
            });
        }
        Err(self.expected(if negated {
            "'in', 'between', 'contains' or 'starts with' after 'not'"
        } else {
            "an operator (=, !=, <, <=, >, >=, in, between, contains, starts with, is null)"
        }))
    }

    fn list(&mut self, field: FieldName, negated: bool) -> Result<Expr, ExprError> {
        match self.peek() {
            Some(Spanned {
                token: Token::Open, ..
            }) => self.pos += 1,
            _ => return Err(self.expected("'(' after 'in' (region in ('Kyiv', 'Lviv'))")),
        }
        let mut values = vec![self.value()?];
        loop {
            match self.peek() {
                Some(Spanned {
                    token: Token::Comma,
                    ..
                }) => {
                    self.pos += 1;
                    values.push(self.value()?);
                }
                Some(Spanned {
                    token: Token::Close,
                    ..
                }) => {
                    self.pos += 1;
                    return Ok(Expr::In {
                        field,
                        negated,
                        values,
                    });
                }
                _ => return Err(self.expected("',' or ')' in the list")),
            }
        }
    }

    fn value(&mut self) -> Result<Value, ExprError> {
        let Some(Spanned { token, span }) = self.peek().cloned() else {
            return Err(self.expected("a value"));
        };
        self.values += 1;
        if self.values > MAX_VALUES {
            return Err(ExprError::new(
                span,
                format!("expression has more than {MAX_VALUES} values"),
            ));
        }
        let (literal, span) = match token {
            Token::Text(text) => (Literal::Text(text), span),
            Token::Number(n) => (Literal::Number(n), span),
            Token::Date(d) => (Literal::Date(d), span),
            Token::Duration(n, unit) => {
                if self.keyword_at(self.pos + 1, "ago") {
                    let end = self.tokens[self.pos + 1].span;
                    self.pos += 1;
                    (Literal::Ago(n, unit), span.to(end))
                } else {
                    (Literal::Duration(n, unit), span)
                }
            }
            Token::Minus => match self.tokens.get(self.pos + 1) {
                Some(Spanned {
                    token: Token::Number(n),
                    span: end,
                }) => {
                    let literal = Literal::Number(format!("-{n}"));
                    let end = *end;
                    self.pos += 1;
                    (literal, span.to(end))
                }
                _ => {
                    return Err(ExprError::new(
                        span,
                        "'-' must be followed by a number (-5)",
                    ));
                }
            },
            Token::Word(parts) if parts.len() == 1 && parts[0].eq_ignore_ascii_case("true") => {
                (Literal::Bool(true), span)
            }
            Token::Word(parts) if parts.len() == 1 && parts[0].eq_ignore_ascii_case("false") => {
                (Literal::Bool(false), span)
            }
            Token::Word(parts) => {
                let word = parts.join(".");
                return Err(
                    ExprError::new(span, format!("expected a value, found '{word}'"))
                        .hint(Some(format!("text goes in single quotes: '{word}'"))),
                );
            }
            _ => return Err(self.expected("a value")),
        };
        self.pos += 1;
        Ok(Value { literal, span })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(text: &str) -> String {
        match parse(text) {
            Ok(expr) => expr.to_string(),
            Err(e) => format!("error: {}", e.render(text)),
        }
    }

    #[test]
    fn precedence_and_canonical_printing() {
        assert_eq!(
            round("A = 1 OR b = 2 AND NOT c = 3"),
            "A = 1 or b = 2 and not c = 3"
        );
        assert_eq!(
            round("(a = 1 or b = 2) and c = 3"),
            "(a = 1 or b = 2) and c = 3"
        );
        assert_eq!(
            round("a = 1 and (b = 2 and c = 3)"),
            "a = 1 and (b = 2 and c = 3)"
        );
        assert_eq!(round("not (a = 1 or b = 2)"), "not (a = 1 or b = 2)");
        assert_eq!(round("((a = 1))"), "a = 1");
    }

    #[test]
    fn every_test_form() {
        for text in [
            "region in ('Kyiv', 'Lviv')",
            "region not in ('Kyiv')",
            "revenue between 100 and 200.50",
            "revenue not between -1 and 2",
            "name contains 'ром'",
            "name not starts with 'ТОВ'",
            "region is null",
            "region is not null",
            "has tag 'vip'",
            "not has tag 'vip'",
            "last_order < 90d ago",
            "days_since_last_order > 90d",
            "attributes.\"loyalty card\" = true",
            "created >= 2026-01-01",
            "name = 'O''Brien'",
        ] {
            assert_eq!(round(text), text);
        }
        assert_eq!(round("x == 1 or y <> 2"), "x = 1 or y != 2");
        assert_eq!(
            round("x IN (1,2)   AnD y Is NoT NuLl"),
            "x in (1, 2) and y is not null"
        );
    }

    #[test]
    fn errors_say_where_and_what() {
        assert_eq!(
            round(""),
            "error: nothing to evaluate: expected a condition such as region = 'Kyiv' at 1:1"
        );
        assert_eq!(
            round("region = "),
            "error: expected a value, found the end of the expression at 1:10"
        );
        assert_eq!(
            round("region = Kyiv"),
            "error: expected a value, found 'Kyiv' at 1:10; text goes in single quotes: 'Kyiv'"
        );
        assert_eq!(
            round("region = 'Kyiv' orders > 2"),
            "error: expected 'and', 'or' or the end of the expression, found 'orders' at 1:17"
        );
        assert_eq!(
            round("(region = 'Kyiv'\n and orders > 2"),
            "error: expected ')', found the end of the expression at 2:16"
        );
        assert_eq!(
            round("orders between 1 or 2"),
            "error: expected 'and' between the two ends (between 10 and 20), found 'or' at 1:18"
        );
        assert_eq!(
            round("and = 1"),
            "error: expected a field name or '(', found 'and' at 1:1"
        );
    }

    #[test]
    fn limits_hold_against_hostile_input() {
        let deep = format!("{}a = 1{}", "(".repeat(10_000), ")".repeat(10_000));
        assert!(round(&deep).contains("nested deeper than 64 levels"));
        let nots = format!("{}a = 1", "not ".repeat(10_000));
        assert!(round(&nots).contains("nested deeper than 64 levels"));
        let wide = vec!["a = 1"; 2000].join(" or ");
        assert!(round(&wide).contains("more than 1000 conditions"));
        let long = format!("name = '{}'", "x".repeat(100_000));
        assert!(round(&long).contains("longer than 65536 bytes"));
    }
}
