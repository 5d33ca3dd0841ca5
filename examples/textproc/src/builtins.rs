//! The functions rules can call, as a table of plain function pointers: adding one is one
//! entry here, and the interpreter calls them without knowing which is which.

use crate::vm::Value;

pub struct Builtin {
    pub name: &'static str,
    pub arity: usize,
    pub func: for<'a> fn(&[Value<'a>]) -> Value<'a>,
}

pub static BUILTINS: &[Builtin] = &[
    Builtin {
        name: "len",
        arity: 1,
        func: len,
    },
    Builtin {
        name: "int",
        arity: 1,
        func: int,
    },
    Builtin {
        name: "contains",
        arity: 2,
        func: |a| predicate(a, |h, n| h.contains(n)),
    },
    Builtin {
        name: "icontains",
        arity: 2,
        func: |a| predicate(a, contains_ignore_case),
    },
    Builtin {
        name: "starts_with",
        arity: 2,
        func: |a| predicate(a, |h, n| h.starts_with(n)),
    },
    Builtin {
        name: "ends_with",
        arity: 2,
        func: |a| predicate(a, |h, n| h.ends_with(n)),
    },
    Builtin {
        name: "glob",
        arity: 2,
        func: |a| predicate(a, |h, p| glob(p.as_bytes(), h.as_bytes())),
    },
    Builtin {
        name: "segment",
        arity: 2,
        func: segment,
    },
    Builtin {
        name: "substr",
        arity: 3,
        func: substr,
    },
];

/// The index of the function called `name`, for `Op::Call`.
pub fn lookup(name: &str) -> Option<u8> {
    BUILTINS
        .iter()
        .position(|b| b.name == name)
        .map(|i| i as u8)
}

fn text<'a>(args: &[Value<'a>], i: usize) -> Option<&'a str> {
    match args[i] {
        Value::Str(s) => Some(s),
        _ => None,
    }
}

fn len<'a>(args: &[Value<'a>]) -> Value<'a> {
    text(args, 0).map_or(Value::Null, |s| Value::Int(s.chars().count() as i64))
}

fn int<'a>(args: &[Value<'a>]) -> Value<'a> {
    match args[0] {
        Value::Float(x) => Value::Int(x as i64),
        Value::Str(s) => s.trim().parse().map_or(Value::Null, Value::Int),
        Value::Bool(v) => Value::Int(i64::from(v)),
        v => v,
    }
}

/// A two-string test; anything but two strings gives null.
fn predicate<'a>(args: &[Value<'a>], test: impl Fn(&str, &str) -> bool) -> Value<'a> {
    match (text(args, 0), text(args, 1)) {
        (Some(a), Some(b)) => Value::Bool(test(a, b)),
        _ => Value::Null,
    }
}

/// The `n`th non-empty `/`-separated part of a path.
fn segment<'a>(args: &[Value<'a>]) -> Value<'a> {
    match (text(args, 0), args[1]) {
        (Some(path), Value::Int(n)) if n >= 0 => path
            .split('/')
            .filter(|s| !s.is_empty())
            .nth(n as usize)
            .map_or(Value::Null, Value::Str),
        _ => Value::Null,
    }
}

/// Character-based, so multi-byte text never splits inside a character.
fn substr<'a>(args: &[Value<'a>]) -> Value<'a> {
    match (text(args, 0), args[1], args[2]) {
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
    }
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

    #[test]
    fn glob_stops_stars_at_slashes() {
        assert!(glob(b"/api/*/users/*", b"/api/v1/users/42"));
        assert!(!glob(b"/api/*", b"/api/v1/users"));
        assert!(glob(b"*.c?s", b"site.css"));
        assert!(!glob(b"a?c", b"ac"));
    }

    #[test]
    fn names_are_unique() {
        for (i, b) in BUILTINS.iter().enumerate() {
            assert_eq!(lookup(b.name), Some(i as u8));
        }
    }
}
