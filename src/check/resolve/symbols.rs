//! One namespace of declared names, and the "unknown name" diagnostic.
//!
//! Every kind of declaration that is named (skills, service types, groups,
//! services, overlays, hierarchies, rules) goes through a [`Symbols`] table:
//! [`Symbols::define`] reports a name defined twice, labelling both
//! definitions, and [`Symbols::resolve`] reports an unknown name with
//! "did you mean" help. Names with a scope of their own (the rules of a
//! layer) use [`unknown`] directly with their candidates.
//!
//! Imports: `crate::diagnostics`, `crate::source`, `crate::syntax::ast`.

use std::collections::BTreeMap;

use crate::diagnostics::{did_you_mean, Code, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

/// The names of one kind of declaration, each with its id and the span of
/// its first definition.
pub(super) struct Symbols<Id> {
    /// What is named, in messages: `skill`, `service type`, …
    kind: &'static str,
    /// The code of an unknown name; `None` for a namespace that is only
    /// checked for duplicates and never resolved.
    unknown: Option<Code>,
    entries: BTreeMap<String, (Id, Span)>,
}

impl<Id: Copy> Symbols<Id> {
    /// An empty namespace of `kind`, whose unknown names are reported
    /// with `unknown`.
    pub(super) fn new(kind: &'static str, unknown: Code) -> Symbols<Id> {
        Symbols {
            kind,
            unknown: Some(unknown),
            entries: BTreeMap::new(),
        }
    }

    /// An empty namespace of `kind` that is only checked for duplicates:
    /// nothing in the language refers to its names.
    pub(super) fn definitions(kind: &'static str) -> Symbols<Id> {
        Symbols {
            kind,
            unknown: None,
            entries: BTreeMap::new(),
        }
    }

    /// The id of `name`, if defined.
    pub(super) fn get(&self, name: &str) -> Option<Id> {
        self.entries.get(name).map(|(id, _)| *id)
    }

    /// The defined names, in sorted order.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> + '_ {
        self.entries.keys().map(String::as_str)
    }

    /// The duplicate-definition diagnostic if `name` is already defined.
    /// Use it where a declaration is checked before it gets an id.
    pub(super) fn duplicate(&self, name: &ast::Name) -> Option<Diagnostic> {
        let (_, first) = self.entries.get(&name.node)?;
        Some(duplicate(self.kind, name, *first))
    }

    /// Defines `name` as `id`; a name defined twice is an error and keeps
    /// its first definition.
    pub(super) fn define(&mut self, name: &ast::Name, id: Id) -> Result<(), Box<Diagnostic>> {
        if let Some(diagnostic) = self.duplicate(name) {
            return Err(Box::new(diagnostic));
        }
        self.entries.insert(name.node.clone(), (id, name.span));
        Ok(())
    }

    /// The id of `name`, or "unknown {kind} `name`" with "did you mean"
    /// help, and `fallback` as the help when no defined name is close.
    pub(super) fn resolve(
        &self,
        name: &ast::Name,
        fallback: impl FnOnce() -> String,
    ) -> Result<Id, Box<Diagnostic>> {
        self.get(&name.node).ok_or_else(|| {
            Box::new(unknown(
                // A namespace of definitions only is never resolved.
                self.unknown.unwrap_or(Code::Internal),
                name,
                format!("unknown {} `{}`", self.kind, name.node),
                self.names(),
                fallback,
            ))
        })
    }
}

/// `name` is unknown: `message`, with help naming the closest of
/// `candidates`, or `fallback` when none is close.
pub(super) fn unknown<'a>(
    code: Code,
    name: &ast::Name,
    message: String,
    candidates: impl IntoIterator<Item = &'a str>,
    fallback: impl FnOnce() -> String,
) -> Diagnostic {
    let help = match did_you_mean(&name.node, candidates) {
        Some(close) => format!("did you mean `{close}`?"),
        None => fallback(),
    };
    Diagnostic::new(code, name.span, message).with_help(help)
}

/// `kind` `name` is defined a second time, first at `first`.
fn duplicate(kind: &str, name: &ast::Name, first: Span) -> Diagnostic {
    Diagnostic::new(
        Code::Duplicate,
        name.span,
        format!("{kind} `{}` is defined twice", name.node),
    )
    .with_label("second definition")
    .with_secondary(first, "first definition here")
    .with_help(format!(
        "rename or remove one of the two {kind} definitions"
    ))
}

#[cfg(test)]
mod tests {
    use super::Symbols;
    use crate::diagnostics::Code;
    use crate::source::{FileId, Span, Spanned};
    use crate::syntax::ast;

    fn name(text: &str, start: u32) -> ast::Name {
        Spanned {
            node: text.to_owned(),
            span: Span::new(FileId(0), start, start + 1),
        }
    }

    #[test]
    fn a_name_defined_twice_keeps_its_first_definition() {
        let mut skills: Symbols<u32> = Symbols::new("skill", Code::UnknownSkill);
        assert!(skills.define(&name("interpreter", 0), 0).is_ok());
        let Err(twice) = skills.define(&name("interpreter", 10), 1) else {
            panic!("a second definition was accepted");
        };
        assert_eq!(twice.code, Code::Duplicate);
        assert_eq!(twice.message, "skill `interpreter` is defined twice");
        assert_eq!(skills.get("interpreter"), Some(0));
    }

    #[test]
    fn an_unknown_name_gets_the_closest_name_or_the_fallback() {
        let mut skills: Symbols<u32> = Symbols::new("skill", Code::UnknownSkill);
        assert!(skills.define(&name("interpreter", 0), 7).is_ok());
        assert_eq!(skills.resolve(&name("interpreter", 5), String::new), Ok(7));
        let Err(close) = skills.resolve(&name("interpretor", 5), String::new) else {
            panic!("a misspelt name resolved");
        };
        assert_eq!(close.code, Code::UnknownSkill);
        assert_eq!(close.message, "unknown skill `interpretor`");
        assert_eq!(close.help.as_deref(), Some("did you mean `interpreter`?"));
        let Err(far) = skills.resolve(&name("wheelchair", 5), || "declare it".to_owned()) else {
            panic!("an unknown name resolved");
        };
        assert_eq!(far.help.as_deref(), Some("declare it"));
    }
}
