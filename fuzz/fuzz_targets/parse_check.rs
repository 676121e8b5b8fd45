//! Arbitrary bytes as a `.dxm` file, read as the command line reads one
//! (lone CR ends a line, a byte-order mark is blank): `syntax::parse`, and without syntax
//! errors `check::check` against the bundled `pathways-2015` catalogue,
//! `fmt` and `compile` (`dxmap_fuzz::pipeline`; routing is left to
//! `parse_grammar_aware`, whose inputs compile far more often). Nothing may
//! panic, overflow the stack or run away; diagnostics must be sound.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = dxmap_fuzz::as_the_cli_reads(data, "dxm");
    let catalogue = dxmap_fuzz::catalogue_2015();
    let catalogue_text = dxmap::catalogue::bundled("pathways-2015").unwrap_or("");
    dxmap_fuzz::pipeline(&text, catalogue, catalogue_text, false);
});
