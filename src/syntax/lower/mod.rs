//! pest pairs to the syntax tree, and pest errors to diagnostics.
//!
//! The only code that walks `Pairs`. The grammar promises each pair's shape;
//! where a shape is not what it promises, lowering emits `Code::Internal`
//! ("internal error, please report") and goes on, never `unwrap()`.
//! Lowering also reports what the grammar cannot: a clause written twice in
//! one block, numbers out of range.
//!
//! This file holds the entry point, [`parse_items`], and the helpers every
//! part of lowering shares (spans, names, strings, integers, `because`).
//! The rest is split by concern: `items` lowers the items and their clauses,
//! `values` the literals (ages, durations, dates, times, opening hours,
//! decimals, postcode units, channels, sexes), and `errors` turns a pest
//! error into a syntax diagnostic with its message and help.
//!
//! Imports: `super::ast`, `super::grammar`, `crate::source`, `crate::diagnostics`.

mod errors;
mod items;
mod values;

use pest::iterators::Pair;
use pest::Parser;

use super::ast;
use super::grammar::{is_token, DxmParser, Rule};
use crate::diagnostics::{Code, Diagnostic};
use crate::source::{FileId, Span, Spanned};

/// A syntax error and where parsing stopped.
pub struct SyntaxError {
    /// Absolute byte offset of the error.
    pub offset: usize,
    /// The diagnostic to report.
    pub diagnostic: Box<Diagnostic>,
}

/// Most items (and list members) one file may hold.
const MAX_ITEMS: usize = 50_000;

/// Parses `text`, which starts at byte `base` of file `file`.
pub fn parse_items(
    file: FileId,
    base: usize,
    text: &str,
) -> Result<(Vec<ast::Item>, Vec<Diagnostic>), SyntaxError> {
    // Bound the work any input can cause; the grammar has no recursion, so
    // this limits time, not depth.
    pest::set_call_limit(std::num::NonZeroUsize::new(
        text.len().saturating_mul(400).max(100_000),
    ));
    let mut lower = Lower {
        file,
        base: u32::try_from(base).unwrap_or(u32::MAX),
        diagnostics: Vec::new(),
    };
    let pairs = match DxmParser::parse(Rule::file, text) {
        Ok(pairs) => pairs,
        Err(error) => return Err(lower.syntax_error(text, &error)),
    };
    let mut items = Vec::new();
    for file_pair in pairs {
        for pair in file_pair.into_inner() {
            if pair.as_rule() == Rule::EOI {
                continue;
            }
            if items.len() == MAX_ITEMS {
                lower.diagnostics.push(Diagnostic::new(
                    Code::TooManyItems,
                    lower.span(&pair),
                    format!("file holds more than {MAX_ITEMS} items"),
                ));
                break;
            }
            if let Some(item) = lower.item(pair) {
                items.push(item);
            }
        }
    }
    Ok((items, lower.diagnostics))
}

struct Lower {
    file: FileId,
    base: u32,
    diagnostics: Vec<Diagnostic>,
}

/// The children of a pair that carry meaning: keywords and punctuation skipped.
fn children(pair: Pair<'_, Rule>) -> impl Iterator<Item = Pair<'_, Rule>> {
    pair.into_inner().filter(|p| !is_token(p.as_rule()))
}

impl Lower {
    fn span(&self, pair: &Pair<'_, Rule>) -> Span {
        let span = pair.as_span();
        Span::new(
            self.file,
            self.base
                .saturating_add(u32::try_from(span.start()).unwrap_or(u32::MAX)),
            self.base
                .saturating_add(u32::try_from(token_end(pair)).unwrap_or(u32::MAX)),
        )
    }

    fn internal(&mut self, span: Span, what: &str) {
        self.diagnostics.push(
            Diagnostic::new(
                Code::Internal,
                span,
                format!("internal error, please report: unexpected syntax tree shape ({what})"),
            )
            .with_help("this is a bug in dxmap, not in your rules"),
        );
    }

    fn string(&mut self, pair: Pair<'_, Rule>) -> ast::Name {
        let span = self.span(&pair);
        let raw = pair
            .into_inner()
            .next()
            .map(|inner| inner.as_str().to_owned())
            .unwrap_or_default();
        let mut text = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            if c == '\\' {
                if let Some(escaped) = chars.next() {
                    text.push(escaped);
                }
            } else {
                text.push(c);
            }
        }
        Spanned::new(text, span)
    }

    fn name(&self, pair: &Pair<'_, Rule>) -> ast::Name {
        Spanned::new(pair.as_str().to_owned(), self.span(pair))
    }

    fn integer(&mut self, pair: &Pair<'_, Rule>) -> Spanned<ast::Integer> {
        let span = self.span(pair);
        let value = match pair.as_str().parse::<u64>() {
            Ok(value) if value <= u64::from(u32::MAX) => value,
            _ => {
                self.diagnostics.push(Diagnostic::new(
                    Code::NumberOutOfRange,
                    span,
                    format!("`{}` is too large", pair.as_str()),
                ));
                0
            }
        };
        Spanned::new(value, span)
    }

    /// The first child with rule `rule`, or an internal error.
    fn first<'i>(
        &mut self,
        pair: Pair<'i, Rule>,
        kind: Rule,
        span: Span,
    ) -> Option<Pair<'i, Rule>> {
        let found = pair.into_inner().find(|p| p.as_rule() == kind);
        if found.is_none() {
            self.internal(span, &format!("missing {kind:?}"));
        }
        found
    }

    fn because(&mut self, pair: Pair<'_, Rule>) -> Option<ast::Because> {
        let span = self.span(&pair);
        let reason = children(pair).next()?;
        Some(ast::Because {
            reason: self.string(reason),
            span,
        })
    }
}

/// The end of a pair's last token: pest's spans of non-atomic rules can
/// take in whitespace and comments skipped after the last token.
fn token_end(pair: &Pair<'_, Rule>) -> usize {
    let ends_with_token = pair
        .as_str()
        .chars()
        .next_back()
        .is_none_or(|c| !c.is_whitespace());
    if ends_with_token {
        return pair.as_span().end();
    }
    pair.clone()
        .into_inner()
        .last()
        .map_or_else(|| pair.as_span().end(), |last| token_end(&last))
}
