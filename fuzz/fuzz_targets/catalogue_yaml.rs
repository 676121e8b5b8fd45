//! Arbitrary bytes as a release catalogue, read as the command line reads
//! one (lone CR ends a line): `catalogue::parse`. A catalogue
//! that loads is compared with `pathways-2015` both ways, asked for
//! suggestions, and checked against a small rules tree that routes its
//! first codes, then compiled and routed (`same_as` chains and cycles,
//! odd timeframes and channels reach the checker and the runtime).

#![no_main]

use std::fmt::Write as _;

use dxmap::source::{FileId, SourceMap};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = dxmap_fuzz::as_the_cli_reads(data, "yaml");
    let mut sources = SourceMap::new();
    let file = sources.add("catalogue.yaml", text.as_ref());
    assert_eq!(file, FileId(0));
    let (catalogue, found) = dxmap::catalogue::parse(FileId(0), &text);
    dxmap_fuzz::assert_diagnostics_sound(&found, &sources);
    dxmap_fuzz::render(&found, &sources);
    let Some(catalogue) = catalogue else {
        return;
    };
    let bundled = dxmap_fuzz::catalogue_2015();
    let _ = dxmap::catalogue::compare(bundled, &catalogue);
    let _ = dxmap::catalogue::compare(&catalogue, bundled);
    for code in ["Dx05", "Dx0010", "dx5", "", "Dx"] {
        let _ = catalogue.suggestions(code);
        let _ = catalogue.suggest(code);
        let _ = catalogue.lookup(code);
    }
    for (id, disposition) in catalogue.iter() {
        assert_eq!(catalogue.lookup(&disposition.code), Some(id));
        assert_eq!(catalogue.code(id), disposition.code);
    }
    if found.iter().any(dxmap::diagnostics::Diagnostic::is_error) {
        return;
    }
    // A tree that routes the catalogue's first codes (checked as file 0
    // after the catalogue, which becomes file 1).
    let codes: Vec<&str> = catalogue
        .dispositions()
        .iter()
        .take(8)
        .map(|d| d.code.as_str())
        .collect();
    let mut rules =
        String::from("service_type t \"T\" { responds_within 0m }\ncatch_all t\nhierarchy q {");
    for (idx, code) in codes.iter().enumerate() {
        let _ = write!(rules, "{}{code}", if idx == 0 { " " } else { " > " });
    }
    rules.push_str(" }\n");
    if !codes.is_empty() {
        let _ = writeln!(
            rules,
            "rule \"r\" {{\n  when dx in ({})\n  route t\n}}",
            codes.join(", ")
        );
    }
    rules.push_str(
        "service \"S\" id \"S1\" {\n  type t\n  catchment SO, PO, BH\n  hours { all_hours }\n}\n",
    );
    // The pipeline's source map holds the rules as file 0 and the
    // catalogue as file 1: parse it again with that id, for its spans.
    let (Some(catalogue), _) = dxmap::catalogue::parse(FileId(1), &text) else {
        panic!("a catalogue that parsed as file 0 does not parse as file 1");
    };
    // Routing builds a `Router`, slow under instrumentation: one input in
    // four (by length).
    dxmap_fuzz::pipeline(&rules, &catalogue, &text, text.len().is_multiple_of(4));
});
