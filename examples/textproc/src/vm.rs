//! The bytecode interpreter that evaluates compiled rules against one record.

use std::cmp::Ordering;
use std::fmt;

use crate::builtins::BUILTINS;
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
    /// Calls `BUILTINS[i]`.
    Call(u8),
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
                Op::Call(i) => {
                    let builtin = &BUILTINS[usize::from(i)];
                    sp -= builtin.arity;
                    stack[sp] = (builtin.func)(&stack[sp..sp + builtin.arity]);
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
}
