//! Lowers an expression tree to stack bytecode, with jumps for `&&` / `||`.

use super::parse::{BinOp, Expr, Lit};
use super::{QueryError, lex, parse};
use crate::vm::{Const, Op, Program, STACK_DEPTH};

/// Parses and compiles one rule expression.
pub fn compile(src: &str) -> Result<Program, QueryError> {
    let expr = parse::parse(&lex::tokenize(src)?)?;
    let mut c = Compiler::default();
    c.expr(&expr);
    if c.max_depth > STACK_DEPTH {
        return Err(QueryError::new(0, "expression is nested too deeply"));
    }
    Ok(Program {
        ops: c.ops,
        consts: c.consts,
    })
}

#[derive(Default)]
struct Compiler {
    ops: Vec<Op>,
    consts: Vec<Const>,
    depth: usize,
    max_depth: usize,
}

impl Compiler {
    /// Emits `op`, tracking how it changes the stack depth.
    fn emit(&mut self, op: Op, pops: usize, pushes: usize) -> usize {
        self.depth = self.depth - pops + pushes;
        self.max_depth = self.max_depth.max(self.depth);
        self.ops.push(op);
        self.ops.len() - 1
    }

    fn constant(&mut self, c: Const) {
        let index = self.consts.iter().position(|k| *k == c).unwrap_or_else(|| {
            self.consts.push(c);
            self.consts.len() - 1
        });
        self.emit(Op::Const(index as u16), 0, 1);
    }

    fn expr(&mut self, e: &Expr) {
        match e {
            Expr::Lit(Lit::Null) => self.constant(Const::Null),
            Expr::Lit(Lit::Bool(b)) => self.constant(Const::Bool(*b)),
            Expr::Lit(Lit::Int(i)) => self.constant(Const::Int(*i)),
            Expr::Lit(Lit::Float(x)) => self.constant(Const::Float(*x)),
            Expr::Str(s) => self.constant(Const::Str(s.clone())),
            Expr::Field(f) => {
                self.emit(Op::Field(*f), 0, 1);
            }
            Expr::Neg(inner) => {
                self.expr(inner);
                self.emit(Op::Neg, 1, 1);
            }
            Expr::Not(inner) => {
                self.expr(inner);
                self.emit(Op::Not, 1, 1);
            }
            Expr::Binary(op, l, r) => {
                self.expr(l);
                self.expr(r);
                let op = match op {
                    BinOp::Add => Op::Add,
                    BinOp::Sub => Op::Sub,
                    BinOp::Mul => Op::Mul,
                    BinOp::Div => Op::Div,
                    BinOp::Rem => Op::Rem,
                    BinOp::Eq => Op::Eq,
                    BinOp::Ne => Op::Ne,
                    BinOp::Lt => Op::Lt,
                    BinOp::Le => Op::Le,
                    BinOp::Gt => Op::Gt,
                    BinOp::Ge => Op::Ge,
                };
                self.emit(op, 2, 1);
            }
            // `a && b`: if `a` is falsy it is the result, otherwise drop it and evaluate `b`.
            Expr::And(l, r) => self.short_circuit(l, r, Op::JumpIfFalse),
            Expr::Or(l, r) => self.short_circuit(l, r, Op::JumpIfTrue),
            Expr::Call(index, args) => {
                for a in args {
                    self.expr(a);
                }
                self.emit(Op::Call(*index), args.len(), 1);
            }
        }
    }

    fn short_circuit(&mut self, l: &Expr, r: &Expr, jump: fn(u16) -> Op) {
        self.expr(l);
        let at = self.emit(jump(0), 0, 0);
        self.emit(Op::Pop, 1, 0);
        self.expr(r);
        let target = self.ops.len() as u16;
        self.ops[at] = jump(target);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn and_jumps_past_the_right_side() {
        let p = compile("status == 1 && bytes").unwrap();
        assert_eq!(p.ops[3], Op::JumpIfFalse(6));
        assert_eq!(p.ops[4], Op::Pop);
        assert_eq!(p.ops.len(), 6);
    }

    #[test]
    fn constants_are_shared() {
        let p = compile("status == 5 || bytes == 5").unwrap();
        assert_eq!(p.consts.len(), 1);
    }
}
