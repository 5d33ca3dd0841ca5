//! The rule expression language: `status >= 500 && glob(path, "/api/*/users/*")`.
//! Source is tokenized, parsed into an expression tree and compiled to bytecode for `vm`.

mod compile;
mod lex;
mod parse;

use std::fmt;

pub use compile::compile;

/// A syntax or compile error with the byte offset it refers to.
#[derive(Debug)]
pub struct QueryError {
    pub offset: usize,
    pub message: String,
}

impl QueryError {
    fn new(offset: usize, message: impl Into<String>) -> QueryError {
        QueryError {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at offset {})", self.message, self.offset)
    }
}

impl std::error::Error for QueryError {}
