//! Tokenizer for rule expressions.

use std::fmt;

use super::QueryError;

#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    Ident(String),
    Int(i64),
    Float(f64),
    Str(String),
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    EqEq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    AndAnd,
    OrOr,
    Bang,
    Eof,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let symbol = match self {
            Tok::Ident(name) => return write!(f, "`{name}`"),
            Tok::Int(i) => return write!(f, "`{i}`"),
            Tok::Float(x) => return write!(f, "`{x}`"),
            Tok::Str(s) => return write!(f, "{s:?}"),
            Tok::Eof => return f.write_str("end of input"),
            Tok::LParen => "(",
            Tok::RParen => ")",
            Tok::Comma => ",",
            Tok::Plus => "+",
            Tok::Minus => "-",
            Tok::Star => "*",
            Tok::Slash => "/",
            Tok::Percent => "%",
            Tok::EqEq => "==",
            Tok::NotEq => "!=",
            Tok::Lt => "<",
            Tok::Le => "<=",
            Tok::Gt => ">",
            Tok::Ge => ">=",
            Tok::AndAnd => "&&",
            Tok::OrOr => "||",
            Tok::Bang => "!",
        };
        write!(f, "`{symbol}`")
    }
}

/// A token and the byte offset where it starts.
pub type Spanned = (Tok, usize);

pub fn tokenize(src: &str) -> Result<Vec<Spanned>, QueryError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let b = bytes[i];
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let two = bytes.get(i + 1).copied();
        let (tok, len) = match (b, two) {
            (b'(', _) => (Tok::LParen, 1),
            (b')', _) => (Tok::RParen, 1),
            (b',', _) => (Tok::Comma, 1),
            (b'+', _) => (Tok::Plus, 1),
            (b'-', _) => (Tok::Minus, 1),
            (b'*', _) => (Tok::Star, 1),
            (b'/', _) => (Tok::Slash, 1),
            (b'%', _) => (Tok::Percent, 1),
            (b'=', Some(b'=')) => (Tok::EqEq, 2),
            (b'!', Some(b'=')) => (Tok::NotEq, 2),
            (b'<', Some(b'=')) => (Tok::Le, 2),
            (b'>', Some(b'=')) => (Tok::Ge, 2),
            (b'&', Some(b'&')) => (Tok::AndAnd, 2),
            (b'|', Some(b'|')) => (Tok::OrOr, 2),
            (b'<', _) => (Tok::Lt, 1),
            (b'>', _) => (Tok::Gt, 1),
            (b'!', _) => (Tok::Bang, 1),
            (b'"', _) => {
                let (text, end) = string(src, i)?;
                out.push((Tok::Str(text), start));
                i = end;
                continue;
            }
            (b'0'..=b'9', _) => {
                let (tok, end) = number(src, i)?;
                out.push((tok, start));
                i = end;
                continue;
            }
            (b'a'..=b'z' | b'A'..=b'Z' | b'_', _) => {
                let end = src[i..]
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .map_or(src.len(), |n| i + n);
                out.push((Tok::Ident(src[i..end].to_string()), start));
                i = end;
                continue;
            }
            _ => {
                let c = src[i..].chars().next().unwrap_or('?');
                return Err(QueryError::new(i, format!("unexpected character `{c}`")));
            }
        };
        out.push((tok, start));
        i += len;
    }
    out.push((Tok::Eof, src.len()));
    Ok(out)
}

fn number(src: &str, start: usize) -> Result<(Tok, usize), QueryError> {
    let rest = &src[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '_'))
        .unwrap_or(rest.len());
    let text: String = rest[..end].chars().filter(|&c| c != '_').collect();
    let tok = if text.contains('.') {
        text.parse().map(Tok::Float).ok()
    } else {
        text.parse().map(Tok::Int).ok()
    };
    tok.map(|t| (t, start + end))
        .ok_or_else(|| QueryError::new(start, format!("invalid number `{}`", &rest[..end])))
}

fn string(src: &str, start: usize) -> Result<(String, usize), QueryError> {
    let mut out = String::new();
    let mut chars = src[start + 1..].char_indices();
    while let Some((n, c)) = chars.next() {
        match c {
            '"' => return Ok((out, start + 1 + n + 1)),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, 't')) => out.push('\t'),
                Some((_, c @ ('"' | '\\'))) => out.push(c),
                _ => return Err(QueryError::new(start + 1 + n, "invalid escape in string")),
            },
            c => out.push(c),
        }
    }
    Err(QueryError::new(start, "unterminated string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_offsets() {
        let toks = tokenize(r#"status >= 5_00 && msg != "a\"b""#).unwrap();
        let kinds: Vec<_> = toks.iter().map(|(t, _)| t.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                Tok::Ident("status".into()),
                Tok::Ge,
                Tok::Int(500),
                Tok::AndAnd,
                Tok::Ident("msg".into()),
                Tok::NotEq,
                Tok::Str("a\"b".into()),
                Tok::Eof
            ]
        );
        assert_eq!(toks[3].1, 15);
    }

    #[test]
    fn reports_bad_characters() {
        let e = tokenize("a # b").unwrap_err();
        assert_eq!(e.offset, 2);
    }
}
