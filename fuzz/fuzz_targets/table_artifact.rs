//! Arbitrary bytes as a table artifact: `Table::from_artifact`, and when it
//! loads, `Router::new` and a few fixed cases routed through it; and
//! `Router::from_artifact`, which decodes parts as cases need them, routing
//! the shipped table's fixed cases whatever the bytes.
//!
//! The first byte chooses the mode. Even: the rest is the whole file, as
//! `dxmap route --table` reads it (most inputs stop at the header or the
//! SHA-256 check). Odd: the rest is the binary body, and the header is
//! recomputed for it, so that fuzzing reaches the decoder and
//! `Table::validate` behind the hash.

#![no_main]

use dxmap_runtime::{Router, Table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((mode, rest)) = data.split_first() else {
        return;
    };
    let artifact = if mode % 2 == 0 {
        rest.to_vec()
    } else {
        dxmap_fuzz::artifact_for_body(rest)
    };
    // Read part by part, as `dxmap route --table` reads it: a part that
    // does not decode fails the case that needs it, never a panic.
    if let Ok(router) = Router::from_artifact(artifact.as_slice()) {
        dxmap_fuzz::route_cases(&router, dxmap_fuzz::shipped_cases());
    }
    let Ok(table) = Table::from_artifact(&artifact) else {
        return;
    };
    // What loads must save and load back to the same table.
    let again = Table::from_artifact(&table.to_artifact());
    assert_eq!(again.as_ref().ok(), Some(&table), "artifact round trip");
    dxmap_fuzz::route_fixed_cases(table);
});
