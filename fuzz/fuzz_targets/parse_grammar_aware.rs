//! `.dxm` text built from the fuzzer's bytes by choosing among grammar
//! fragments (`dxmap_fuzz::grammar`), so that most inputs parse and reach
//! the checker, the analyses, the formatter, the compiler and routing.
//! One input in four (by its first byte) routes the fixed cases through
//! the compiled table: `Router::new` is slow under instrumentation.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let route = data.first().is_some_and(|byte| byte % 4 == 0);
    let text = dxmap_fuzz::grammar::text(data);
    let catalogue = dxmap_fuzz::catalogue_2015();
    let catalogue_text = dxmap::catalogue::bundled("pathways-2015").unwrap_or("");
    dxmap_fuzz::pipeline(&text, catalogue, catalogue_text, route);
});
