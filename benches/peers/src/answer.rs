//! The answer compared between dxmap and its peers, field by field, and the
//! equality check run on every case before any engine is timed.
//!
//! Compared: the overlay in force, the rule's name, the `no_search` reason,
//! the catch-all flag and the ordered service ids — every field of dxmap's
//! [`Decision`] that decides what a user is sent to. A peer's answer must
//! carry all five fields itself: a missing field, a field of the wrong
//! type, an undefined Rego result (regorus writes it as `"<undefined>"`) or
//! an evaluation error is a mismatch, never read as "no rule, no services".
//!
//! Not compared, because the peers do not produce them: each service's
//! name, type, capacity colour and distance, the reason text of a
//! catch-all or empty answer, the code searched, the case's position and
//! the trace. These are dxmap's presentation of the same decision; the
//! peers compute the distances and capacities they need for the decision
//! (precomputed in `prep.rs`) but do not return them.

use dxmap_runtime::Decision;
use serde_json::Value as Json;

/// What regorus writes for an undefined value.
const UNDEFINED: &str = "<undefined>";

/// One case's answer, as compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// `national` or the overlay in force.
    pub overlay: String,
    /// The rule that matched, if one did.
    pub rule: Option<String>,
    /// The reason, if the code answers "no search".
    pub no_search: Option<String>,
    /// Whether the services are the catch-all's.
    pub catch_all: bool,
    /// The ranked service ids.
    pub services: Vec<String>,
}

/// What kind of answer a case has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Services from a matching rule.
    Services,
    /// Services from the catch-all.
    CatchAll,
    /// The code answers "no search".
    NoSearch,
    /// No service and no `no_search`: no rule or no service survived, and
    /// no catch-all service covers the postcode.
    Empty,
}

impl Answer {
    /// dxmap's answer.
    pub fn from_decision(d: &Decision<'_>) -> Answer {
        Answer {
            overlay: d.overlay.to_owned(),
            rule: d.rule.map(str::to_owned),
            no_search: d.no_search.map(str::to_owned),
            catch_all: d.catch_all,
            services: d.services.iter().map(|a| a.id.to_owned()).collect(),
        }
    }

    /// A peer's answer: an object with all five fields, each of its type.
    pub fn from_json(v: &Json) -> Result<Answer, String> {
        let object = v
            .as_object()
            .ok_or_else(|| format!("not an object: {}", short(v)))?;
        let field = |name: &str| {
            object
                .get(name)
                .ok_or_else(|| format!("no field `{name}` in {}", short(v)))
        };
        let string = |name: &str, x: &Json| match x.as_str() {
            Some(UNDEFINED) => Err(format!("`{name}` is undefined")),
            Some(s) => Ok(s.to_owned()),
            None => Err(format!("`{name}` is not a string: {x}")),
        };
        let optional = |name: &str| -> Result<Option<String>, String> {
            match field(name)? {
                Json::Null => Ok(None),
                x => string(name, x).map(Some),
            }
        };
        let overlay = string("overlay", field("overlay")?)?;
        let rule = optional("rule")?;
        let no_search = optional("no_search")?;
        let catch_all = field("catch_all")?
            .as_bool()
            .ok_or_else(|| "`catch_all` is not a boolean".to_owned())?;
        let services = field("services")?
            .as_array()
            .ok_or_else(|| "`services` is not an array".to_owned())?
            .iter()
            .map(|x| string("services[]", x))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Answer {
            overlay,
            rule,
            no_search,
            catch_all,
            services,
        })
    }

    /// The kind of answer.
    pub fn kind(&self) -> Kind {
        if self.no_search.is_some() {
            Kind::NoSearch
        } else if self.services.is_empty() {
            Kind::Empty
        } else if self.catch_all {
            Kind::CatchAll
        } else {
            Kind::Services
        }
    }

    /// The names of the fields that differ from `other`'s.
    fn differing(&self, other: &Answer) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.overlay != other.overlay {
            out.push("overlay");
        }
        if self.rule != other.rule {
            out.push("rule");
        }
        if self.no_search != other.no_search {
            out.push("no_search");
        }
        if self.catch_all != other.catch_all {
            out.push("catch_all");
        }
        if self.services != other.services {
            out.push("services");
        }
        out
    }
}

/// The first 200 characters of a JSON value.
fn short(v: &Json) -> String {
    v.to_string().chars().take(200).collect()
}

/// How many of dxmap's answers are of each kind, and how many cases dxmap
/// refused (a peer cannot equal those).
#[derive(Debug, Default, Clone, Copy)]
pub struct Kinds {
    pub services: usize,
    pub catch_all: usize,
    pub no_search: usize,
    pub empty: usize,
    /// Of the empty ones, those with no rule either: all a peer answering
    /// nothing would get right if absence were read as an answer.
    pub empty_no_rule: usize,
    pub errors: usize,
}

impl Kinds {
    /// Counts the kinds of `answers` (`None`: refused by dxmap).
    pub fn of<'a>(answers: impl IntoIterator<Item = Option<&'a Answer>>) -> Kinds {
        let mut k = Kinds::default();
        for a in answers {
            match a.map(|a| (a.kind(), a.rule.is_some())) {
                Some((Kind::Services, _)) => k.services += 1,
                Some((Kind::CatchAll, _)) => k.catch_all += 1,
                Some((Kind::NoSearch, _)) => k.no_search += 1,
                Some((Kind::Empty, rule)) => {
                    k.empty += 1;
                    if !rule {
                        k.empty_no_rule += 1;
                    }
                }
                None => k.errors += 1,
            }
        }
        k
    }

    /// Counts the kinds of dxmap's answers.
    pub fn of_answers(answers: &[Result<Answer, String>]) -> Kinds {
        Kinds::of(answers.iter().map(|a| a.as_ref().ok()))
    }

    /// Cases with at least one service.
    pub fn non_empty(&self) -> usize {
        self.services + self.catch_all
    }

    /// "3147 with services (2901 from a rule, 246 catch-all), 344
    /// no_search, 1509 empty (… of them with no rule either)".
    pub fn describe(&self) -> String {
        let mut s = format!(
            "{} with services ({} from a rule, {} catch-all), {} no_search, {} empty ({} of them with no rule either)",
            self.non_empty(),
            self.services,
            self.catch_all,
            self.no_search,
            self.empty,
            self.empty_no_rule
        );
        if self.errors > 0 {
            s.push_str(&format!(", {} refused by dxmap", self.errors));
        }
        s
    }
}

/// Compares a peer's answers with dxmap's on every case and prints one
/// line: cases checked, equal, mismatches, and the equal ones by kind of
/// dxmap's answer, so that a peer answering nothing cannot pass on the
/// cases whose answer is empty. Prints the first mismatches to stderr.
/// True when every case is equal.
pub fn check(
    peer: &str,
    tree: &str,
    expected: &[Result<Answer, String>],
    got: &[Result<Answer, String>],
) -> bool {
    let mut bad = 0usize;
    let mut equal = Vec::new();
    let mut fields: std::collections::BTreeMap<&'static str, usize> = Default::default();
    for (i, (e, g)) in expected.iter().zip(got).enumerate() {
        if let (Ok(e), Ok(g)) = (e, g) {
            if e == g {
                equal.push(e);
                continue;
            }
        }
        bad += 1;
        match (e, g) {
            (Ok(e), Ok(g)) => {
                for f in e.differing(g) {
                    *fields.entry(f).or_default() += 1;
                }
            }
            (_, Err(_)) => *fields.entry("no answer").or_default() += 1,
            (Err(_), Ok(_)) => *fields.entry("refused by dxmap").or_default() += 1,
        }
        if bad <= 5 {
            eprintln!("  mismatch {tree} {peer} case {i}: dxmap {e:?}, {peer} {g:?}");
        }
    }
    // Cases missing from `got` are mismatches too.
    let missing = expected.len().saturating_sub(got.len());
    bad += missing;
    let ok_kinds = Kinds::of(equal.iter().map(|a| Some(*a)));
    let all = Kinds::of_answers(expected);
    println!(
        "- {tree}, {peer}: {} cases checked, {} equal to dxmap, {bad} mismatches{}; equal on {} of the {} with services ({} of {} catch-all), {} of {} no_search, {} of {} empty{}",
        expected.len(),
        expected.len() - bad,
        if fields.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                fields
                    .iter()
                    .map(|(f, n)| format!("{f}: {n}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        ok_kinds.non_empty(),
        all.non_empty(),
        ok_kinds.catch_all,
        all.catch_all,
        ok_kinds.no_search,
        all.no_search,
        ok_kinds.empty,
        all.empty,
        if bad > 0 { " (not timed)" } else { "" }
    );
    bad == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_field_is_required() {
        let full = json!({"overlay": "national", "rule": null, "no_search": null, "catch_all": false, "services": []});
        assert!(Answer::from_json(&full).is_ok());
        for field in ["overlay", "rule", "no_search", "catch_all", "services"] {
            let mut v = full.clone();
            v.as_object_mut().map(|o| o.remove(field));
            assert!(Answer::from_json(&v).is_err(), "{field}");
        }
        assert!(Answer::from_json(&json!("<undefined>")).is_err());
        assert!(Answer::from_json(&Json::Null).is_err());
        let undefined = json!({"overlay": "<undefined>", "rule": null, "no_search": null, "catch_all": false, "services": []});
        assert!(Answer::from_json(&undefined).is_err());
    }

    #[test]
    fn an_empty_answer_differs_from_a_no_search() {
        let empty = Answer {
            overlay: "national".into(),
            rule: None,
            no_search: None,
            catch_all: false,
            services: vec![],
        };
        let no_search = Answer {
            no_search: Some("999 call".into()),
            ..empty.clone()
        };
        assert_ne!(empty, no_search);
        assert!(!check(
            "peer",
            "tree",
            &[Ok(no_search), Ok(empty.clone())],
            &[Ok(empty.clone()), Err("undefined".into())],
        ));
        assert!(check("peer", "tree", &[Ok(empty.clone())], &[Ok(empty)]));
    }
}
