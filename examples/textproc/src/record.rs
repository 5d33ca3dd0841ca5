//! One parsed log line: the known fields, read from logfmt or JSON without copying unless
//! an escape sequence forces it.

use std::fmt;

use crate::synth::Format;
use crate::vm::Value;

/// The fields rules can refer to; anything else in a line is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Ts,
    Level,
    Method,
    Path,
    Status,
    LatencyMs,
    Bytes,
    User,
    Region,
    Ua,
    Msg,
}

const FIELD_COUNT: usize = 11;

impl Field {
    pub fn from_name(name: &str) -> Option<Field> {
        Some(match name {
            "ts" => Field::Ts,
            "level" => Field::Level,
            "method" => Field::Method,
            "path" => Field::Path,
            "status" => Field::Status,
            "latency_ms" => Field::LatencyMs,
            "bytes" => Field::Bytes,
            "user" => Field::User,
            "region" => Field::Region,
            "ua" => Field::Ua,
            "msg" => Field::Msg,
            _ => return None,
        })
    }
}

/// Where a field's value lives: numbers inline, text as a range of the line or of the
/// scratch buffer (when unescaping changed it).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Slot {
    Missing,
    Int(i64),
    Float(f64),
    Line(u32, u32),
    Scratch(u32, u32),
}

#[derive(Debug)]
pub struct ParseError {
    pub column: usize,
    pub what: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at column {}", self.what, self.column + 1)
    }
}

/// A reusable record: parsing a new line overwrites it, keeping the scratch allocation.
pub struct Record<'a> {
    line: &'a str,
    scratch: String,
    slots: [Slot; FIELD_COUNT],
}

impl<'a> Record<'a> {
    pub fn new() -> Record<'a> {
        Record {
            line: "",
            scratch: String::new(),
            slots: [Slot::Missing; FIELD_COUNT],
        }
    }

    pub fn get(&self, field: Field) -> Value<'_> {
        match self.slots[field as usize] {
            Slot::Missing => Value::Null,
            Slot::Int(i) => Value::Int(i),
            Slot::Float(x) => Value::Float(x),
            Slot::Line(s, e) => Value::Str(&self.line[s as usize..e as usize]),
            Slot::Scratch(s, e) => Value::Str(&self.scratch[s as usize..e as usize]),
        }
    }

    pub fn parse(&mut self, line: &'a str, format: Format) -> Result<(), ParseError> {
        self.line = line;
        self.scratch.clear();
        self.slots = [Slot::Missing; FIELD_COUNT];
        let mut p = Parser { text: line, pos: 0 };
        match format {
            Format::Logfmt => self.parse_logfmt(&mut p),
            Format::Json => self.parse_json(&mut p),
        }
    }

    fn parse_logfmt(&mut self, p: &mut Parser<'a>) -> Result<(), ParseError> {
        loop {
            p.skip_spaces();
            if p.at_end() {
                return Ok(());
            }
            let key = p.take_while(|b| b != b'=' && b != b' ');
            if !p.eat(b'=') {
                return Err(p.error("expected `=` after key"));
            }
            let field = Field::from_name(key);
            let slot = if p.peek() == Some(b'"') {
                self.quoted(p)?
            } else {
                let start = p.pos;
                let bare = p.take_while(|b| b != b' ');
                number_slot(bare).unwrap_or(Slot::Line(start as u32, p.pos as u32))
            };
            if let Some(field) = field {
                self.slots[field as usize] = slot;
            }
        }
    }

    fn parse_json(&mut self, p: &mut Parser<'a>) -> Result<(), ParseError> {
        p.skip_spaces();
        if !p.eat(b'{') {
            return Err(p.error("expected `{`"));
        }
        p.skip_spaces();
        if p.eat(b'}') {
            return Ok(());
        }
        loop {
            p.skip_spaces();
            if p.peek() != Some(b'"') {
                return Err(p.error("expected a string key"));
            }
            let key = self.quoted(p)?;
            let field = match key {
                Slot::Line(s, e) => Field::from_name(&p.text[s as usize..e as usize]),
                // Keys with escapes never name a known field.
                _ => None,
            };
            p.skip_spaces();
            if !p.eat(b':') {
                return Err(p.error("expected `:`"));
            }
            p.skip_spaces();
            let slot = match p.peek() {
                Some(b'"') => self.quoted(p)?,
                Some(b'n') if p.eat_word("null") => Slot::Missing,
                Some(b't') if p.eat_word("true") => Slot::Int(1),
                Some(b'f') if p.eat_word("false") => Slot::Int(0),
                Some(b'-' | b'0'..=b'9') => {
                    let start = p.pos;
                    let raw = p.take_while(|b| {
                        matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                    });
                    number_slot(raw).ok_or(ParseError {
                        column: start,
                        what: "invalid number",
                    })?
                }
                _ => return Err(p.error("expected a value")),
            };
            if let Some(field) = field {
                self.slots[field as usize] = slot;
            }
            p.skip_spaces();
            if p.eat(b',') {
                continue;
            }
            if p.eat(b'}') {
                return Ok(());
            }
            return Err(p.error("expected `,` or `}`"));
        }
    }

    /// Reads a `"…"` string. Borrowed from the line unless it has escapes, in which case it
    /// is unescaped into the scratch buffer.
    fn quoted(&mut self, p: &mut Parser<'a>) -> Result<Slot, ParseError> {
        p.pos += 1;
        let start = p.pos;
        let plain = p.take_while(|b| b != b'"' && b != b'\\');
        if p.eat(b'"') {
            return Ok(Slot::Line(start as u32, (start + plain.len()) as u32));
        }
        let from = self.scratch.len();
        self.scratch.push_str(plain);
        loop {
            match p.peek() {
                None => return Err(p.error("unterminated string")),
                Some(b'"') => {
                    p.pos += 1;
                    return Ok(Slot::Scratch(from as u32, self.scratch.len() as u32));
                }
                Some(b'\\') => {
                    p.pos += 1;
                    let c = match p.bump() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'n') => '\n',
                        Some(b't') => '\t',
                        Some(b'r') => '\r',
                        Some(b'u') => p.unicode_escape()?,
                        _ => return Err(p.error("invalid escape")),
                    };
                    self.scratch.push(c);
                }
                Some(_) => {
                    let run = p.take_while(|b| b != b'"' && b != b'\\');
                    self.scratch.push_str(run);
                }
            }
        }
    }
}

fn number_slot(text: &str) -> Option<Slot> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if digits.is_empty() || !digits.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    if digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok().map(Slot::Int);
    }
    text.parse().ok().map(Slot::Float)
}

/// A byte cursor over one line.
struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn error(&self, what: &'static str) -> ParseError {
        ParseError {
            column: self.pos,
            what,
        }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        self.pos += usize::from(hit);
        hit
    }

    fn eat_word(&mut self, word: &str) -> bool {
        let hit = self.bytes()[self.pos..].starts_with(word.as_bytes());
        if hit {
            self.pos += word.len();
        }
        hit
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
        // The predicates stop only at ASCII bytes, so both ends are char boundaries.
        &self.text[start..self.pos]
    }

    fn hex4(&mut self) -> Result<u32, ParseError> {
        let mut v = 0;
        for _ in 0..4 {
            let d = self
                .bump()
                .and_then(|b| (b as char).to_digit(16))
                .ok_or(self.error("invalid \\u escape"))?;
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn unicode_escape(&mut self) -> Result<char, ParseError> {
        let hi = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&hi) {
            if !(self.eat(b'\\') && self.eat(b'u')) {
                return Err(self.error("unpaired surrogate"));
            }
            let lo = self.hex4()?;
            0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF)
        } else {
            hi
        };
        char::from_u32(code).ok_or(self.error("invalid code point"))
    }
}
