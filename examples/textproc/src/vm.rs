//! The bytecode interpreter that evaluates compiled rules against one record.

use std::cmp::Ordering;
use std::fmt;

use crate::query::Builtin;
use crate::record::{Field, Record};

/// The compiler rejects expressions that would need a deeper stack.
pub const STACK_DEPTH: usize = 16;

/// A value during evaluation; strings borrow from the record or the program's constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a str),
}

impl Value<'_> {
    pub fn truthy(self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => b,
            Value::Int(i) => i != 0,
            Value::Float(x) => x != 0.0,
            Value::Str(s) => !s.is_empty(),
        }
    }

    pub fn as_f64(self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(i as f64),
            Value::Float(x) => Some(x),
            Value::Bool(b) => Some(f64::from(u8::from(b))),
            _ => None,
        }
    }

    fn compare(self, other: Value<'_>) -> Option<Ordering> {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => Some(a.cmp(&b)),
            (Value::Str(a), Value::Str(b)) => Some(a.cmp(b)),
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(&b)),
            (Value::Null, Value::Null) => Some(Ordering::Equal),
            (a, b) => a.as_f64()?.partial_cmp(&b.as_f64()?),
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Str(s) => f.write_str(s),
        }
    }
}

/// A constant in a program's pool.
#[derive(Debug, Clone, PartialEq)]
pub enum Const {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Field(Field),
    Const(u16),
    Neg,
    Not,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// If the top is falsy jump (keeping it as the result), otherwise fall through.
    JumpIfFalse(u16),
    JumpIfTrue(u16),
    Pop,
    Call(Builtin),
}

#[derive(Debug, Clone)]
pub struct Program {
    pub ops: Vec<Op>,
    pub consts: Vec<Const>,
}

impl Program {
    pub fn eval<'a>(&'a self, record: &'a Record<'_>) -> Value<'a> {
        let mut stack = [Value::Null; STACK_DEPTH];
        let mut sp = 0;
        let mut pc = 0;
        while let Some(&op) = self.ops.get(pc) {
            pc += 1;
            match op {
                Op::Field(f) => {
                    stack[sp] = record.get(f);
                    sp += 1;
                }
                Op::Const(i) => {
                    stack[sp] = self.constant(i);
                    sp += 1;
                }
                Op::Neg => {
                    stack[sp - 1] = match stack[sp - 1] {
                        Value::Int(i) => Value::Int(i.wrapping_neg()),
                        Value::Float(x) => Value::Float(-x),
                        _ => Value::Null,
                    }
                }
                Op::Not => stack[sp - 1] = Value::Bool(!stack[sp - 1].truthy()),
                Op::JumpIfFalse(target) => {
                    if !stack[sp - 1].truthy() {
                        pc = usize::from(target);
                    }
                }
                Op::JumpIfTrue(target) => {
                    if stack[sp - 1].truthy() {
                        pc = usize::from(target);
                    }
                }
                Op::Pop => sp -= 1,
                Op::Call(b) => {
                    let argc = b.arity();
                    sp -= argc;
                    stack[sp] = call(b, &stack[sp..sp + argc]);
                    sp += 1;
                }
                binary => {
                    sp -= 1;
                    stack[sp - 1] = apply(binary, stack[sp - 1], stack[sp]);
                }
            }
        }
        stack[0]
    }

    fn constant(&self, index: u16) -> Value<'_> {
        match &self.consts[usize::from(index)] {
            Const::Null => Value::Null,
            Const::Bool(b) => Value::Bool(*b),
            Const::Int(i) => Value::Int(*i),
            Const::Float(x) => Value::Float(*x),
            Const::Str(s) => Value::Str(s),
        }
    }
}

fn apply<'a>(op: Op, a: Value<'a>, b: Value<'a>) -> Value<'a> {
    let order = |test: fn(Ordering) -> bool| Value::Bool(a.compare(b).is_some_and(test));
    match op {
        Op::Eq => Value::Bool(a.compare(b) == Some(Ordering::Equal)),
        Op::Ne => Value::Bool(a.compare(b) != Some(Ordering::Equal)),
        Op::Lt => order(Ordering::is_lt),
        Op::Le => order(Ordering::is_le),
        Op::Gt => order(Ordering::is_gt),
        Op::Ge => order(Ordering::is_ge),
        _ => arithmetic(op, a, b),
    }
}

fn arithmetic<'a>(op: Op, a: Value<'a>, b: Value<'a>) -> Value<'a> {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        return match op {
            Op::Add => Value::Int(x.wrapping_add(y)),
            Op::Sub => Value::Int(x.wrapping_sub(y)),
            Op::Mul => Value::Int(x.wrapping_mul(y)),
            Op::Div => x.checked_div(y).map_or(Value::Null, Value::Int),
            Op::Rem => x.checked_rem(y).map_or(Value::Null, Value::Int),
            _ => Value::Null,
        };
    }
    let (Some(x), Some(y)) = (a.as_f64(), b.as_f64()) else {
        return Value::Null;
    };
    Value::Float(match op {
        Op::Add => x + y,
        Op::Sub => x - y,
        Op::Mul => x * y,
        Op::Div if y != 0.0 => x / y,
        Op::Rem if y != 0.0 => x % y,
        _ => return Value::Null,
    })
}

fn call<'a>(b: Builtin, args: &[Value<'a>]) -> Value<'a> {
    let text = |i: usize| match args[i] {
        Value::Str(s) => Some(s),
        _ => None,
    };
    let both = || Some((text(0)?, text(1)?));
    match b {
        Builtin::Len => text(0).map_or(Value::Null, |s| Value::Int(s.chars().count() as i64)),
        Builtin::Int => match args[0] {
            Value::Float(x) => Value::Int(x as i64),
            Value::Str(s) => s.trim().parse().map_or(Value::Null, Value::Int),
            Value::Bool(v) => Value::Int(i64::from(v)),
            v => v,
        },
        Builtin::Contains => predicate(both(), |h, n| h.contains(n)),
        Builtin::IContains => predicate(both(), contains_ignore_case),
        Builtin::StartsWith => predicate(both(), |h, n| h.starts_with(n)),
        Builtin::EndsWith => predicate(both(), |h, n| h.ends_with(n)),
        Builtin::Glob => predicate(both(), |h, p| glob(p.as_bytes(), h.as_bytes())),
        Builtin::Segment => match (text(0), args[1]) {
            (Some(path), Value::Int(n)) if n >= 0 => path
                .split('/')
                .filter(|s| !s.is_empty())
                .nth(n as usize)
                .map_or(Value::Null, Value::Str),
            _ => Value::Null,
        },
        // Character-based, so multi-byte text never splits inside a character.
        Builtin::Substr => match (text(0), args[1], args[2]) {
            (Some(s), Value::Int(start), Value::Int(len)) if start >= 0 && len >= 0 => {
                let mut chars = s.char_indices().map(|(i, _)| i).chain([s.len()]);
                let from = chars.nth(start as usize);
                let to = chars.nth((len as usize).saturating_sub(1));
                match (from, len) {
                    (Some(a), 0) => Value::Str(&s[a..a]),
                    (Some(a), _) => Value::Str(&s[a..to.unwrap_or(s.len())]),
                    (None, _) => Value::Null,
                }
            }
            _ => Value::Null,
        },
    }
}

fn predicate(args: Option<(&str, &str)>, test: impl Fn(&str, &str) -> bool) -> Value<'static> {
    args.map_or(Value::Null, |(a, b)| Value::Bool(test(a, b)))
}

/// ASCII case-insensitive substring search, without allocating lowered copies.
fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    if n.is_empty() {
        return true;
    }
    h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// `*` matches any run of bytes except `/`, `?` exactly one byte; everything else literally.
fn glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Where to resume after the most recent `*` if the current attempt fails.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == b'?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) if text[st] != b'/' => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                _ => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::compile;
    use crate::synth::Format;

    fn eval_on(line: &str, src: &str) -> String {
        let mut record = Record::new();
        record.parse(line, Format::Logfmt).unwrap();
        compile(src).unwrap().eval(&record).to_string()
    }

    #[test]
    fn evaluates_rules() {
        let line = r#"status=503 path=/api/v1/users/42 latency_ms=12.5 msg="Upstream TIMEOUT""#;
        assert_eq!(eval_on(line, "status >= 500 && latency_ms < 20"), "true");
        assert_eq!(eval_on(line, "status / 100"), "5");
        assert_eq!(eval_on(line, "segment(path, 2)"), "users");
        assert_eq!(eval_on(line, "substr(path, 5, 2)"), "v1");
        assert_eq!(eval_on(line, "substr(path, 14, 9)"), "42");
        assert_eq!(eval_on(line, "substr(path, 99, 1)"), "null");
        assert_eq!(eval_on(line, "icontains(msg, \"timeout\")"), "true");
        assert_eq!(eval_on(line, "user == null || status == 1"), "true");
        assert_eq!(eval_on(line, "bytes + 1"), "null");
    }

    #[test]
    fn glob_stops_stars_at_slashes() {
        assert!(glob(b"/api/*/users/*", b"/api/v1/users/42"));
        assert!(!glob(b"/api/*", b"/api/v1/users"));
        assert!(glob(b"*.c?s", b"site.css"));
        assert!(!glob(b"a?c", b"ac"));
    }
}
