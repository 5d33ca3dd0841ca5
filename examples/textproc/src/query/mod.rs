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

/// Functions callable from rules, with their argument counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    Len,
    Contains,
    IContains,
    StartsWith,
    EndsWith,
    Glob,
    Segment,
    Substr,
    Int,
}

impl Builtin {
    fn from_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "len" => Builtin::Len,
            "contains" => Builtin::Contains,
            "icontains" => Builtin::IContains,
            "starts_with" => Builtin::StartsWith,
            "ends_with" => Builtin::EndsWith,
            "glob" => Builtin::Glob,
            "segment" => Builtin::Segment,
            "substr" => Builtin::Substr,
            "int" => Builtin::Int,
            _ => return None,
        })
    }

    pub fn arity(self) -> usize {
        match self {
            Builtin::Len | Builtin::Int => 1,
            Builtin::Substr => 3,
            _ => 2,
        }
    }
}
