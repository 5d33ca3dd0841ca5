//! Precedence-climbing parser from tokens to an expression tree.

use super::QueryError;
use super::lex::{Spanned, Tok};
use crate::builtins::{self, BUILTINS};
use crate::record::Field;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Lit {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
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
}

#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Lit),
    Str(String),
    Field(Field),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// A call of `BUILTINS[i]`.
    Call(u8, Vec<Expr>),
}

pub fn parse(tokens: &[Spanned]) -> Result<Expr, QueryError> {
    let mut p = Parser { tokens, pos: 0 };
    let expr = p.expr(0)?;
    match p.peek() {
        Tok::Eof => Ok(expr),
        other => Err(p.error(format!("unexpected {other} after expression"))),
    }
}

struct Parser<'t> {
    tokens: &'t [Spanned],
    pos: usize,
}

/// Binding power of infix operators; higher binds tighter.
fn infix(tok: &Tok) -> Option<u8> {
    Some(match tok {
        Tok::OrOr => 1,
        Tok::AndAnd => 2,
        Tok::EqEq | Tok::NotEq => 3,
        Tok::Lt | Tok::Le | Tok::Gt | Tok::Ge => 4,
        Tok::Plus | Tok::Minus => 5,
        Tok::Star | Tok::Slash | Tok::Percent => 6,
        _ => return None,
    })
}

impl Parser<'_> {
    fn peek(&self) -> &Tok {
        &self.tokens[self.pos].0
    }

    fn offset(&self) -> usize {
        self.tokens[self.pos].1
    }

    fn error(&self, message: String) -> QueryError {
        QueryError::new(self.offset(), message)
    }

    fn advance(&mut self) -> &Tok {
        let tok = &self.tokens[self.pos].0;
        if *tok != Tok::Eof {
            self.pos += 1;
        }
        tok
    }

    fn expect(&mut self, want: Tok) -> Result<(), QueryError> {
        if *self.peek() == want {
            self.advance();
            Ok(())
        } else {
            Err(self.error(format!("expected {want}, found {}", self.peek())))
        }
    }

    fn expr(&mut self, min_power: u8) -> Result<Expr, QueryError> {
        let mut lhs = self.unary()?;
        while let Some(power) = infix(self.peek()) {
            if power <= min_power {
                break;
            }
            let op = self.advance().clone();
            let rhs = self.expr(power)?;
            let (l, r) = (Box::new(lhs), Box::new(rhs));
            lhs = match op {
                Tok::OrOr => Expr::Or(l, r),
                Tok::AndAnd => Expr::And(l, r),
                Tok::EqEq => Expr::Binary(BinOp::Eq, l, r),
                Tok::NotEq => Expr::Binary(BinOp::Ne, l, r),
                Tok::Lt => Expr::Binary(BinOp::Lt, l, r),
                Tok::Le => Expr::Binary(BinOp::Le, l, r),
                Tok::Gt => Expr::Binary(BinOp::Gt, l, r),
                Tok::Ge => Expr::Binary(BinOp::Ge, l, r),
                Tok::Plus => Expr::Binary(BinOp::Add, l, r),
                Tok::Minus => Expr::Binary(BinOp::Sub, l, r),
                Tok::Star => Expr::Binary(BinOp::Mul, l, r),
                Tok::Slash => Expr::Binary(BinOp::Div, l, r),
                _ => Expr::Binary(BinOp::Rem, l, r),
            };
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr, QueryError> {
        match self.peek() {
            Tok::Bang => {
                self.advance();
                Ok(Expr::Not(Box::new(self.unary()?)))
            }
            Tok::Minus => {
                self.advance();
                Ok(Expr::Neg(Box::new(self.unary()?)))
            }
            _ => self.primary(),
        }
    }

    fn primary(&mut self) -> Result<Expr, QueryError> {
        let offset = self.offset();
        match self.advance().clone() {
            Tok::Int(i) => Ok(Expr::Lit(Lit::Int(i))),
            Tok::Float(x) => Ok(Expr::Lit(Lit::Float(x))),
            Tok::Str(s) => Ok(Expr::Str(s)),
            Tok::LParen => {
                let inner = self.expr(0)?;
                self.expect(Tok::RParen)?;
                Ok(inner)
            }
            Tok::Ident(name) if *self.peek() == Tok::LParen => {
                let index = builtins::lookup(&name)
                    .ok_or_else(|| QueryError::new(offset, format!("unknown function `{name}`")))?;
                let arity = BUILTINS[usize::from(index)].arity;
                self.advance();
                let mut args = Vec::new();
                if *self.peek() != Tok::RParen {
                    loop {
                        args.push(self.expr(0)?);
                        if *self.peek() != Tok::Comma {
                            break;
                        }
                        self.advance();
                    }
                }
                self.expect(Tok::RParen)?;
                if args.len() != arity {
                    return Err(QueryError::new(
                        offset,
                        format!("`{name}` takes {} argument(s), got {}", arity, args.len()),
                    ));
                }
                Ok(Expr::Call(index, args))
            }
            Tok::Ident(name) => match name.as_str() {
                "null" => Ok(Expr::Lit(Lit::Null)),
                "true" => Ok(Expr::Lit(Lit::Bool(true))),
                "false" => Ok(Expr::Lit(Lit::Bool(false))),
                _ => Field::from_name(&name)
                    .map(Expr::Field)
                    .ok_or_else(|| QueryError::new(offset, format!("unknown field `{name}`"))),
            },
            other => Err(QueryError::new(offset, format!("unexpected {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::lex::tokenize;

    fn p(src: &str) -> Result<Expr, QueryError> {
        parse(&tokenize(src)?)
    }

    #[test]
    fn precedence() {
        let e = p("1 + 2 * 3 == 7 || false").unwrap();
        let Expr::Or(lhs, _) = e else { panic!("{e:?}") };
        let Expr::Binary(BinOp::Eq, sum, _) = *lhs else {
            panic!()
        };
        assert!(matches!(*sum, Expr::Binary(BinOp::Add, _, _)));
    }

    #[test]
    fn errors_point_at_the_problem() {
        assert_eq!(p("status >= ").unwrap_err().offset, 10);
        assert!(
            p("nope == 1")
                .unwrap_err()
                .message
                .contains("unknown field")
        );
        assert!(p("len(ua, msg)").unwrap_err().message.contains("takes 1"));
    }
}
