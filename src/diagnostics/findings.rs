//! A run's findings, some kept small until they are shown.
//!
//! A large tree's reach analysis finds findings by the million, nearly all
//! allowed by `// dxmap: allow` or beyond what a renderer lists (the human
//! output folds, JSON lists a thousand of a code). Such a finding is held
//! [`Pending`]: its code, its primary span, whether it is allowed, and a
//! number its analysis renders it from ([`Expand`]). It is made a full
//! [`Diagnostic`] only when a renderer shows it, so what a run keeps is
//! small whatever the tree's size, and the output is the same as if every
//! finding had been whole from the start.
//!
//! The order is [`super::sort`]'s: (file, start, code, message). Pending
//! findings of one (file, start, code) are ordered by their messages, which
//! are made only when one of them is shown; an analysis whose findings are
//! held pending makes every finding of its codes that way, so a pending
//! finding never ties with, or repeats, a whole one.
//!
//! Imports: `super`, `crate::source`.

use super::{Code, Counts, Diagnostic, Severity};
use crate::source::Span;

/// Renders pending findings whole: what an analysis keeps to do it.
pub trait Expand: std::fmt::Debug + Send + Sync {
    /// Finding `item` in full, without `allowed` (the run sets it).
    fn diagnostic(&self, item: u32) -> Diagnostic;

    /// Finding `item`'s message, what orders findings at one place: all
    /// of a group are made, few are shown.
    fn message(&self, item: u32) -> String {
        self.diagnostic(item).message
    }
}

/// A finding not rendered yet: what sorting, allowing and counting need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    /// The code.
    pub code: Code,
    /// The primary span.
    pub span: Span,
    /// The finding's number for its [`Expand`].
    pub item: u32,
    /// The reason an allow gives, as an index into the run's reasons.
    pub allowed: Option<u32>,
}

impl Pending {
    /// What a renderer decides on.
    fn head(&self) -> Head {
        Head {
            code: self.code,
            span: self.span,
            allowed: self.allowed.is_some(),
        }
    }
}

/// Pending findings whose messages are made together, at least (see
/// [`Findings::visit`]).
const AHEAD: usize = 4096;

/// What a renderer decides on: a finding's code, place, and whether it is
/// allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// The code.
    pub code: Code,
    /// The primary span.
    pub span: Span,
    /// Whether a `// dxmap: allow` comment silences it.
    pub allowed: bool,
}

impl Head {
    /// The head of a whole diagnostic.
    pub fn of(diagnostic: &Diagnostic) -> Head {
        Head {
            code: diagnostic.code,
            span: diagnostic.primary.span,
            allowed: diagnostic.is_allowed(),
        }
    }

    /// Whether the finding fails the run (an allowed one does not).
    pub fn is_error(&self) -> bool {
        self.code.severity() == Severity::Error && !self.allowed
    }
}

/// A renderer walking the findings in order ([`Findings::visit`]).
pub trait Visit {
    /// Whether a finding with this head, coming next, would be shown in
    /// full. Asked of every finding of a group of pending findings before
    /// any of them is visited, then of each as it comes; a finding not
    /// wanted must not be wanted later in the same walk (renderers list the
    /// first so many).
    fn wants(&self, head: &Head) -> bool;
    /// The next finding; `full` is `None` only for a finding not wanted.
    fn visit(&mut self, head: Head, full: Option<&Diagnostic>);
}

/// Every finding of a run, in order.
#[derive(Debug, Default)]
pub struct Findings {
    /// Whole diagnostics, sorted by [`super::sort`].
    full: Vec<Diagnostic>,
    /// Pending findings, in (file, start, code) order, then as found.
    pending: Vec<Pending>,
    /// The reasons of the allows that silence pending findings.
    reasons: Vec<String>,
    /// What renders the pending findings.
    expand: Option<Box<dyn Expand>>,
}

impl From<Vec<Diagnostic>> for Findings {
    /// Whole diagnostics, sorted here.
    fn from(mut full: Vec<Diagnostic>) -> Findings {
        super::sort(&mut full);
        Findings {
            full,
            ..Findings::default()
        }
    }
}

/// The order of pending findings before their messages are made.
fn place(pending: &Pending) -> (crate::source::FileId, u32, Code, u32) {
    (
        pending.span.file,
        pending.span.start,
        pending.code,
        pending.item,
    )
}

impl Findings {
    /// Whole diagnostics and pending ones with what renders them; both
    /// are sorted here.
    pub fn new(
        full: Vec<Diagnostic>,
        mut pending: Vec<Pending>,
        reasons: Vec<String>,
        expand: Option<Box<dyn Expand>>,
    ) -> Findings {
        let mut findings = Findings::from(full);
        pending.sort_unstable_by_key(place);
        findings.pending = pending;
        findings.reasons = reasons;
        findings.expand = expand;
        findings
    }

    /// How many findings there are.
    pub fn len(&self) -> usize {
        self.full.len() + self.pending.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The heads of every finding, whole ones first (not in order).
    pub fn heads(&self) -> impl Iterator<Item = Head> + '_ {
        self.full
            .iter()
            .map(Head::of)
            .chain(self.pending.iter().map(|p| Head {
                code: p.code,
                span: p.span,
                allowed: p.allowed.is_some(),
            }))
    }

    /// Counts of errors, warnings and allowed findings.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for head in self.heads() {
            if head.allowed {
                counts.allowed += 1;
            } else if head.code.severity() == Severity::Error {
                counts.errors += 1;
            } else {
                counts.warnings += 1;
            }
        }
        counts
    }

    /// Whether some finding fails the run.
    pub fn has_errors(&self) -> bool {
        self.heads().any(|head| head.is_error())
    }

    /// The findings `keep` keeps, whole, in order.
    pub fn select(&self, keep: impl Fn(&Head) -> bool) -> Vec<Diagnostic> {
        struct Keep<F> {
            keep: F,
            out: Vec<Diagnostic>,
        }
        impl<F: Fn(&Head) -> bool> Visit for Keep<F> {
            fn wants(&self, head: &Head) -> bool {
                (self.keep)(head)
            }
            fn visit(&mut self, head: Head, full: Option<&Diagnostic>) {
                if let Some(full) = full.filter(|_| (self.keep)(&head)) {
                    self.out.push(full.clone());
                }
            }
        }
        let mut keeping = Keep {
            keep,
            out: Vec::new(),
        };
        self.visit(&mut keeping);
        keeping.out
    }

    /// Every finding, whole, in order: what [`super::sort`] gives when
    /// every finding is made whole at once.
    pub fn all(&self) -> Vec<Diagnostic> {
        self.select(|_| true)
    }

    /// A pending finding's message.
    fn message(&self, pending: &Pending) -> String {
        match &self.expand {
            Some(expand) => expand.message(pending.item),
            None => String::new(),
        }
    }

    /// The group of pending findings starting at `at`: those sharing its
    /// (file, start, code); empty past the end.
    fn group_at(&self, at: usize) -> &[Pending] {
        let rest = self.pending.get(at..).unwrap_or_default();
        let len = rest.first().map_or(0, |first| {
            let key = (first.span.file, first.span.start, first.code);
            rest.iter()
                .take_while(|p| (p.span.file, p.span.start, p.code) == key)
                .count()
        });
        rest.get(..len).unwrap_or_default()
    }

    /// The messages of `items` (pending findings of whole groups), in
    /// order: made on two threads, half each, when there are many.
    fn messages(&self, items: &[&Pending]) -> Vec<String> {
        const ON_TWO_THREADS: usize = 64;
        let make =
            |part: &[&Pending]| -> Vec<String> { part.iter().map(|p| self.message(p)).collect() };
        if items.len() < ON_TWO_THREADS {
            return make(items);
        }
        let (first, second) = items.split_at(items.len() / 2);
        std::thread::scope(|scope| {
            let theirs = scope.spawn(|| make(second));
            let mut made = make(first);
            match theirs.join() {
                Ok(rest) => made.extend(rest),
                // Made again here: the same messages, in the same order.
                Err(_) => made.extend(make(second)),
            }
            made
        })
    }

    /// The messages of the group of pending findings at `at` (its
    /// length `len`), and of the groups after it that `visitor` wants now,
    /// up to [`AHEAD`] findings: most groups of a large tree are wanted
    /// (each overlay's area is a place of its own), and their messages
    /// are made on two threads together. A group wanted now may not be
    /// when its turn comes (its messages are then dropped); one not
    /// wanted now will not be ([`Visit::wants`]).
    fn messages_ahead(
        &self,
        at: usize,
        len: usize,
        visitor: &impl Visit,
    ) -> std::collections::VecDeque<(usize, Vec<String>)> {
        let mut groups = vec![(at, len)];
        let mut count = len;
        let mut next = at + len;
        while count < AHEAD {
            let group = self.group_at(next);
            let len = group.len();
            if len == 0 {
                break;
            }
            if group.iter().any(|p| visitor.wants(&p.head())) {
                groups.push((next, len));
                count += len;
            }
            next += len;
        }
        let items: Vec<&Pending> = groups
            .iter()
            .flat_map(|&(at, len)| self.pending.get(at..at + len).unwrap_or_default())
            .collect();
        let mut made = self.messages(&items).into_iter();
        groups
            .into_iter()
            .map(|(at, len)| (at, made.by_ref().take(len).collect()))
            .collect()
    }

    /// A pending finding made whole, with its allow's reason.
    fn expanded(&self, pending: &Pending) -> Diagnostic {
        let mut diagnostic = match &self.expand {
            Some(expand) => expand.diagnostic(pending.item),
            None => Diagnostic::new(pending.code, pending.span, String::new()),
        };
        diagnostic.allowed = pending
            .allowed
            .map(|at| self.reasons.get(at as usize).cloned().unwrap_or_default());
        diagnostic
    }

    /// Walks every finding in order. A group of pending findings sharing
    /// (file, start, code) is made whole, and put in the order of its
    /// messages, only when `visitor` wants one of them.
    pub fn visit(&self, visitor: &mut impl Visit) {
        let mut full = self.full.iter().peekable();
        let mut at = 0;
        // Messages made ahead, by their group's first finding.
        let mut ahead = std::collections::VecDeque::new();
        loop {
            let next_pending = self.pending.get(at);
            let take_full = match (full.peek(), next_pending) {
                (Some(d), Some(p)) => {
                    let span = d.primary.span;
                    (span.file, span.start, d.code) <= (p.span.file, p.span.start, p.code)
                }
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            if take_full {
                if let Some(d) = full.next() {
                    visitor.visit(Head::of(d), Some(d));
                }
                continue;
            }
            let group = self.group_at(at);
            let len = group.len();
            if len == 0 {
                break;
            }
            if group.iter().any(|p| visitor.wants(&p.head())) {
                while ahead.front().is_some_and(|(start, _)| *start < at) {
                    ahead.pop_front();
                }
                if ahead.front().is_none_or(|(start, _)| *start != at) {
                    ahead = self.messages_ahead(at, len, visitor);
                }
                let messages = ahead.pop_front().map(|(_, made)| made).unwrap_or_default();
                let mut ordered: Vec<(String, &Pending)> =
                    messages.into_iter().zip(group).collect();
                // Stable: findings with the same message stay as found.
                ordered.sort_by(|a, b| a.0.cmp(&b.0));
                for (_, p) in ordered {
                    if visitor.wants(&p.head()) {
                        let whole = self.expanded(p);
                        visitor.visit(Head::of(&whole), Some(&whole));
                    } else {
                        visitor.visit(p.head(), None);
                    }
                }
            } else {
                for p in group {
                    visitor.visit(p.head(), None);
                }
            }
            at += len;
        }
    }
}
