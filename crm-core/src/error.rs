//! The one public error type of crmkit and the small kind enum the bindings map from.

use std::fmt;

/// Everything a crmkit command can fail with.
///
/// Messages are lowercase, carry no personal data (no names, phones or e-mails), and a validation error
/// names the field and the rule it broke, e.g. `lines[1].quantity: must be greater than zero`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input broke a rule; nothing was written.
    #[error("{field}: {rule}")]
    Validation {
        /// The input field, as the caller named it (`name`, `lines[2].quantity`).
        field: String,
        /// The rule that was broken.
        rule: String,
    },
    /// An expression of the segment language is malformed or does not type-check; nothing was written.
    /// The message says what and where (`unknown field 'regoin' for clients at 1:1; did you mean 'region'?`).
    #[error("{field}: {message}")]
    Expression {
        /// The input field that held the expression (`expression`).
        field: String,
        /// What is wrong, with the position and a hint.
        message: String,
        /// 1-based line of the error in the expression.
        line: u32,
        /// 1-based column (in characters) of the error in the expression.
        column: u32,
    },
    /// A referenced record does not exist.
    #[error("{entity} {key} not found")]
    NotFound {
        /// What was looked for (`client`, `lead`, `lost_reason`, ...).
        entity: &'static str,
        /// The id or code that was looked for.
        key: String,
    },
    /// A lead or deal cannot go from its current state to the one asked for; nothing was written.
    #[error("{entity} cannot go from {from} to {to}")]
    InvalidTransition {
        /// `lead` or `deal`.
        entity: &'static str,
        /// The current state.
        from: String,
        /// The state asked for.
        to: String,
    },
    /// The command contradicts what is stored (an external reference reused with other content, a
    /// duplicate code, a stage still in use).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The database file was written by a newer crmkit; it is left untouched.
    #[error("database schema version {found} is newer than this library supports ({supported})")]
    SchemaTooNew {
        /// `PRAGMA user_version` of the file.
        found: i64,
        /// The newest version this library knows.
        supported: i64,
    },
    /// SQLite failed (I/O, a locked or corrupt file).
    #[error("storage: {0}")]
    Storage(#[from] rusqlite::Error),
    /// Writing an export failed (a full disk, a closed pipe).
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// Stored data could not be read back (a value no version of crmkit writes).
    #[error("corrupt data: {0}")]
    Corrupt(String),
    /// The file is a SQLite database of another application; it is left untouched.
    #[error("not a crmkit store: {0}")]
    NotACrmStore(String),
    /// SQLite ended the transaction after a failure (a full disk, an interrupt); nothing of it was
    /// kept, and nothing more can be done in it.
    #[error("the transaction was rolled back by the database after an earlier failure")]
    TransactionAborted,
}

/// The kind of an [`Error`]: a small `Copy` value that C maps to a status code and Python to an exception
/// class, each from one table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// See [`Error::Validation`].
    Validation,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::InvalidTransition`].
    InvalidTransition,
    /// See [`Error::Conflict`].
    Conflict,
    /// See [`Error::SchemaTooNew`].
    SchemaTooNew,
    /// See [`Error::Storage`], [`Error::Io`], [`Error::Corrupt`], [`Error::NotACrmStore`], [`Error::TransactionAborted`].
    Storage,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Validation => "validation",
            ErrorKind::NotFound => "not_found",
            ErrorKind::InvalidTransition => "invalid_transition",
            ErrorKind::Conflict => "conflict",
            ErrorKind::SchemaTooNew => "schema_too_new",
            ErrorKind::Storage => "storage",
        })
    }
}

impl Error {
    /// The kind of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Validation { .. } | Error::Expression { .. } => ErrorKind::Validation,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::InvalidTransition { .. } => ErrorKind::InvalidTransition,
            Error::Conflict(_) => ErrorKind::Conflict,
            Error::SchemaTooNew { .. } => ErrorKind::SchemaTooNew,
            Error::Storage(_)
            | Error::Io(_)
            | Error::Corrupt(_)
            | Error::NotACrmStore(_)
            | Error::TransactionAborted => ErrorKind::Storage,
        }
    }

    /// The input field a validation error names, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Error::Validation { field, .. } | Error::Expression { field, .. } => Some(field),
            _ => None,
        }
    }

    /// Where an expression error points: 1-based line and column.
    pub fn position(&self) -> Option<(u32, u32)> {
        match self {
            Error::Expression { line, column, .. } => Some((*line, *column)),
            _ => None,
        }
    }

    /// An error in the expression `text` given in `field`.
    pub fn expression(
        field: impl Into<String>,
        text: &str,
        error: &crate::segment::ExprError,
    ) -> Self {
        let (line, column) = error.position(text);
        Error::Expression {
            field: field.into(),
            message: error.render(text),
            line,
            column,
        }
    }

    /// Shorthand for a validation error.
    pub fn validation(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            rule: rule.into(),
        }
    }

    /// Shorthand for a not-found error.
    pub fn not_found(entity: &'static str, key: impl fmt::Display) -> Self {
        Error::NotFound {
            entity,
            key: key.to_string(),
        }
    }
}

/// `Result` with crmkit's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
