//! Syntax tree back to canonical text (`dxmap fmt`).
//!
//! Formatting runs in two steps. First the tree is turned into a small
//! layout tree of `Doc`s: each statement becomes one line of text, and each
//! braced construct becomes a block with a header and children. Then a
//! printer walks that tree, weaving the comments back in, which the parser
//! drops and which are therefore read from the source text again.
//!
//! The layout rules are these:
//! - two spaces of indentation per block; one statement per line;
//! - a block stays on one line (`hours { all_hours }`) when its source was
//!   on one line, it has at most one child, that child fits on one line too,
//!   and there is no comment inside it; otherwise it has one child per line;
//!   an empty block on one line prints as `name { }`;
//! - literals print in their written form (`16` and `16y` stay apart);
//! - a comment that was alone on its line stays alone on its line, indented
//!   like the statement that follows it; a comment that followed code is
//!   appended to the last printed line after two spaces (or put on a line
//!   of its own if that line already ends with a comment); a comment inside
//!   a multi-line statement ends up after that statement;
//! - one blank line is kept where the source had one or more between two
//!   statements or comments, but never at the start of the file or of a
//!   block; the output ends with exactly one newline.
//!
//! Formatting is idempotent and keeps the meaning: parsing the output gives
//! the same tree as parsing the input, spans aside.
//!
//! The code is split by concern: `items` lays out each item and clause
//! as `Doc`s, `literals` prints the values inside them (strings, dates,
//! times, hours, ages, durations), `comments` finds the comments and blank
//! lines of the source, and `printer` prints the `Doc`s with them.
//!
//! Imports: `super::ast`, `crate::source`.

mod comments;
mod items;
mod literals;
mod printer;

use super::ast;
use crate::source::Span;

/// Formats a parsed file; `text` is the source it was parsed from (comments
/// and blank lines are read from it).
pub fn format(text: &str, file: &ast::File) -> String {
    let docs: Vec<Doc> = file.items.iter().map(items::item_doc).collect();
    let mut printer = printer::Printer::new(text);
    for doc in &docs {
        printer.doc(doc);
    }
    printer.flush_comments(usize::MAX);
    printer.finish()
}

// ------------------------------------------------------------------ layout

/// The layout of one statement.
#[derive(Debug)]
enum Doc {
    /// A statement printed on one line.
    Line(Line),
    /// A braced construct.
    Block(Block),
}

/// A statement printed on one line.
#[derive(Debug)]
struct Line {
    /// Where the statement starts in the source.
    start: usize,
    /// Its canonical text.
    text: String,
}

/// A braced construct: `header {`, the children, `}`.
#[derive(Debug)]
struct Block {
    /// Where the construct starts in the source.
    start: usize,
    /// Where it ends in the source (just after its `}`).
    end: usize,
    /// Everything before the `{`.
    header: String,
    /// The statements inside the braces.
    children: Vec<Doc>,
    /// What follows the `}` on its line (` because "…"`), if anything.
    trailer: String,
}

impl Doc {
    /// Where the statement starts in the source.
    fn start(&self) -> usize {
        match self {
            Doc::Line(line) => line.start,
            Doc::Block(block) => block.start,
        }
    }
}

/// A byte offset as a `usize`.
fn offset(value: u32) -> usize {
    usize::try_from(value).unwrap_or(usize::MAX)
}

/// A one-line statement.
fn line(span: Span, text: String) -> Doc {
    Doc::Line(Line {
        start: offset(span.start),
        text,
    })
}

/// A block.
fn block(span: Span, header: String, children: Vec<Doc>) -> Doc {
    Doc::Block(Block {
        start: offset(span.start),
        end: offset(span.end),
        header,
        children,
        trailer: String::new(),
    })
}

/// A block followed by more text after its `}`.
fn block_then(span: Span, header: String, children: Vec<Doc>, trailer: String) -> Doc {
    Doc::Block(Block {
        start: offset(span.start),
        end: offset(span.end),
        header,
        children,
        trailer,
    })
}

#[cfg(test)]
mod tests {
    use super::format;
    use crate::source::FileId;
    use crate::syntax::{ast, parse};

    /// Parses `text`, which must have no syntax errors.
    fn parse_ok(text: &str) -> ast::File {
        let (file, diagnostics) = parse(FileId(0), text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}\n{text}");
        file
    }

    /// The tree's debug text with every span erased.
    fn without_spans(file: &ast::File) -> String {
        let debug = format!("{file:?}");
        let mut out = String::with_capacity(debug.len());
        let mut rest = debug.as_str();
        while let Some(found) = rest.find("Span { file: ") {
            out.push_str(&rest[..found]);
            out.push_str("Span");
            let after = &rest[found..];
            let close = after.find('}').unwrap();
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// Every `//` comment of `text`, trimmed.
    fn comments(text: &str) -> Vec<String> {
        super::comments::scan_comments(text)
            .into_iter()
            .map(|comment| comment.text)
            .collect()
    }

    /// Formats `text` and checks the properties every output must have:
    /// idempotency, the same tree, the same comments.
    fn check(text: &str) -> String {
        let file = parse_ok(text);
        let once = format(text, &file);
        let reparsed = parse_ok(&once);
        assert_eq!(without_spans(&file), without_spans(&reparsed), "{once}");
        let twice = format(&once, &reparsed);
        assert_eq!(once, twice, "not idempotent");
        assert_eq!(
            text.matches("//").count(),
            once.matches("//").count(),
            "comment markers lost:\n{once}"
        );
        let mut before = comments(text).join(" ");
        let mut after = comments(&once).join(" ");
        before.retain(|c| !c.is_whitespace());
        after.retain(|c| !c.is_whitespace());
        assert_eq!(before, after, "comment text changed:\n{once}");
        assert!(once.ends_with('\n') && !once.ends_with("\n\n"));
        assert!(!once.contains("\n\n\n"));
        once
    }

    #[test]
    fn design_sample() {
        let text = include_str!("../../../fixtures/syntax/ok/design_sample.dxm");
        let out = check(text);
        assert_eq!(comments(text), comments(&out));
        // The sample is already laid out canonically, apart from the
        // alignment of trailing comments.
        let normalise = |text: &str| -> String {
            text.lines()
                .map(|line| match line.find("//") {
                    Some(at) => format!("{}  {}", line[..at].trim_end(), &line[at..]),
                    None => line.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(normalise(&out), normalise(text));
    }

    #[test]
    fn messy_rule() {
        assert_eq!(
            check(r#"rule   "A"{when dx=Dx05 and age>=16 route gp_ooh,emergency_department}"#),
            "rule \"A\" {\n  when dx = Dx05 and age >= 16\n  route gp_ooh, emergency_department\n}\n"
        );
    }

    #[test]
    fn literals_keep_their_written_form() {
        let text = "rule \"A\" {\n  when dx in (Dx30,Dx050) and age in 6mo.. and channel in (111,ooh) and sex=female\n  route a\n}\nrule \"B\" {\n  when dx in grp and age < 16y and channel = 999\n  route a\n  priority 10\n}\nservice \"S\" id \"X1\" {\n  catchment SO16 7,SO\n  location 50.90,-1.4044\n  ages 0d..28d\n  valid 2020-03-23..\n  hours {\n    mon-fri 08:30-13:00,14:00-24:00\n    on 2020-05-08 closed\n    closed 2020-06-01 because \"x\"\n    closed 2020-06-01..2020-06-10\n  }\n}\n";
        assert_eq!(check(text), text.replace(",", ", ").replace("=f", " = f"));
    }

    #[test]
    fn overlay_items() {
        let text = "overlay b {\n  area SO, PO\n  has x\n  lacks y\n  remove rule \"R\"\n  suspend service \"F1\" from 2020-03-23\n  suspend service_type t from 2020-03-23 until 2020-04-01 because \"c\"\n  remap Dx06 -> Dx05 because \"v\"\n  catch_all t\n  no_search Dx108, Dx95\n  add rule \"A\" { when dx = Dx05 }\n  override rule \"O\" {\n    when dx = Dx05\n    because \"o\"\n  }\n}\noverlay c extends b { catch_all t }\n";
        assert_eq!(check(text), text);
    }

    #[test]
    fn comment_after_open_brace() {
        assert_eq!(
            check("rule \"A\" {   // about A   \n  when dx = Dx05\n}\n"),
            "rule \"A\" {  // about A\n  when dx = Dx05\n}\n"
        );
    }

    #[test]
    fn comment_before_close_brace() {
        assert_eq!(
            check("rule \"A\" {\n  when dx = Dx05\n      // last\n}\n"),
            "rule \"A\" {\n  when dx = Dx05\n  // last\n}\n"
        );
        assert_eq!(
            check("rule \"A\" {\n  // only\n}\n"),
            "rule \"A\" {\n  // only\n}\n"
        );
    }

    #[test]
    fn own_line_comments_between_clauses() {
        assert_eq!(
            check("// head\nrule \"A\" {\n// one\n  when dx = Dx05\n    // two\n  route a // three\n}\n// tail\n"),
            "// head\nrule \"A\" {\n  // one\n  when dx = Dx05\n  // two\n  route a  // three\n}\n// tail\n"
        );
    }

    #[test]
    fn comments_inside_statements_move_after_them() {
        assert_eq!(
            check("group g = Dx01, // a\n  Dx02 // b\ngroup h = Dx03\n"),
            "group g = Dx01, Dx02  // a\n// b\ngroup h = Dx03\n"
        );
    }

    #[test]
    fn comment_slashes_in_strings_are_not_comments() {
        assert_eq!(
            check("release \"a//b \\\" // c\"  // real\n"),
            "release \"a//b \\\" // c\"  // real\n"
        );
    }

    #[test]
    fn blank_lines_collapse() {
        assert_eq!(
            check("\n\n\nskill a\n\n\n\nskill b\nskill c\n\n// c\n\n\nrule \"A\" {\n\n  when dx = Dx05\n\n\n  route a\n\n}\n\n\n"),
            "skill a\n\nskill b\nskill c\n\n// c\n\nrule \"A\" {\n  when dx = Dx05\n\n  route a\n}\n"
        );
    }

    #[test]
    fn string_escapes() {
        let text = "skill a \"say \\\"hi\\\" \\\\ bye\"\n";
        let file = parse_ok(text);
        let ast::Item::Skill(skill) = &file.items[0] else {
            panic!("not a skill");
        };
        assert_eq!(skill.label.as_ref().unwrap().node, "say \"hi\" \\ bye");
        assert_eq!(check(text), text);
    }

    #[test]
    fn single_line_blocks_stay() {
        let text = "service_type gp_ooh \"GP Out of Hours\" { responds_within 1h }\nservice \"H\" id \"H1\" {\n  type t\n  hours { all_hours }\n}\nservice \"G\" id \"G1\" {\n  hours { mon-sun 08:00-20:00 }\n}\ncalendar c { }\nhierarchy q { Dx1 > Dx2 }\noverlay o { service \"S\" id \"S1\" { type t } }\n";
        assert_eq!(check(text), text);
    }

    #[test]
    fn blocks_expand() {
        assert_eq!(
            check("service_type t { responds_within 1h returns 2 }\ncalendar c {\n}\nhierarchy q {\n  Dx1 > Dx2\n}\noverlay o { service \"S\" id \"S1\" { type t rank 1 } }\n"),
            "service_type t {\n  responds_within 1h\n  returns 2\n}\ncalendar c {\n}\nhierarchy q {\n  Dx1 > Dx2\n}\noverlay o {\n  service \"S\" id \"S1\" {\n    type t\n    rank 1\n  }\n}\n"
        );
    }

    #[test]
    fn empty_file() {
        assert_eq!(format("", &parse_ok("")), "");
        assert_eq!(check("\n\n// only\n\n"), "// only\n");
    }

    /// Rewrites each run of whitespace of `text` outside strings and
    /// comments; `replace` sees the run (with the newline that ends a
    /// comment), whether a comment precedes it and whether one follows it.
    fn rewrite_whitespace(text: &str, replace: impl Fn(&str, bool, bool) -> String) -> String {
        let mut out = String::new();
        let mut run = String::new();
        let mut in_string = false;
        let mut in_comment = false;
        let mut after_comment = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if in_comment && c == '\n' {
                in_comment = false;
                after_comment = true;
            }
            if !in_string && !in_comment && c.is_whitespace() {
                run.push(c);
                continue;
            }
            let before_comment = !in_string && c == '/' && chars.peek() == Some(&'/');
            if !run.is_empty() || after_comment {
                out.push_str(&replace(&run, after_comment, before_comment));
                run.clear();
                after_comment = false;
            }
            out.push(c);
            if in_string {
                if c == '\\' {
                    out.push(chars.next().unwrap());
                } else {
                    in_string = c != '"';
                }
            } else if !in_comment {
                in_string = c == '"';
                in_comment = before_comment;
            }
        }
        out.push_str(&replace(&run, after_comment, false));
        out
    }

    #[test]
    fn design_sample_exploded() {
        // Every token on its own line, indented with a tab; blank lines and
        // trailing comments stay where they were.
        let sample = include_str!("../../../fixtures/syntax/ok/design_sample.dxm");
        let text = rewrite_whitespace(sample, |run, _, before_comment| {
            let n_newlines = run.matches('\n').count();
            if before_comment && n_newlines == 0 {
                " ".to_owned()
            } else if n_newlines > 1 {
                "\n\n\t".to_owned()
            } else {
                "\n\t".to_owned()
            }
        });
        let out = check(&text);
        assert!(out.starts_with("release \"pathways-2015\"  // bundled;"));
        assert!(out.contains("hierarchy clinician_queue_order {\n  Dx321 > Dx32 >"));
        assert!(out.contains(
            "service \"Princess Anne Maternity\" id \"MAT01\" {\n  type maternity\n  \
             catchment SO\n  sexes female  // default: both\n  hours {\n    all_hours\n  }\n}"
        ));
    }

    #[test]
    fn design_sample_squashed() {
        // Newlines only where a comment needs one.
        let sample = include_str!("../../../fixtures/syntax/ok/design_sample.dxm");
        let text = rewrite_whitespace(sample, |_, after_comment, _| {
            if after_comment { "\n" } else { " " }.to_owned()
        });
        let out = check(&text);
        assert!(out.contains("hierarchy clinician_queue_order { Dx321 > Dx32 > "));
        assert!(out.contains("  sexes female  // default: both\n  hours { all_hours }\n}\n"));
        assert!(!out.contains("\n\n"));
        // Extra blank lines and odd indentation change nothing.
        let doubled = sample.replace("\n\n", "\n\n\n\n").replace("  ", "\t ");
        assert_eq!(check(&doubled), check(sample));
    }

    #[test]
    fn line_endings_and_odd_placements() {
        assert_eq!(
            check("skill a\r\n\r\nskill b // c\r\n"),
            "skill a\n\nskill b  // c\n"
        );
        assert_eq!(check("skill a // no newline"), "skill a  // no newline\n");
        assert_eq!(
            check("rule \"A\"\n// between\n{ when dx = Dx05 }\n"),
            "rule \"A\" {\n  // between\n  when dx = Dx05\n}\n"
        );
        assert_eq!(
            check("hierarchy q {\n  Dx1 > // top\n  Dx2\n}\n"),
            "hierarchy q {\n  Dx1 > Dx2  // top\n}\n"
        );
        assert_eq!(
            check("group g = Dx01,\n\n  // mid\n  Dx02\nskill a\n"),
            "group g = Dx01, Dx02\n\n// mid\nskill a\n"
        );
        assert_eq!(
            check("service \"A\" // c\n  id \"B\" { type t }\n"),
            "service \"A\" id \"B\" {  // c\n  type t\n}\n"
        );
    }
}
