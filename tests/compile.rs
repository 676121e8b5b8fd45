//! Compile snapshots: each `fixtures/compile/*.dxm` tree checks without
//! errors and compiles to a table whose JSON is an insta snapshot, so any
//! change to what the compiler emits shows up as a reviewed diff. Compiling
//! twice gives the same bytes, and the artifact loads back to the same table.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "tests fail loudly on a broken fixture or an unexpected answer"
)]

mod support;

#[test]
fn compiled_tables_are_snapshots() {
    insta::glob!("../fixtures/compile", "*.dxm", |path| {
        let table = support::compile_fixture("compile", path);
        let again = support::compile_fixture("compile-again", path);
        let artifact = table.to_artifact();
        assert_eq!(artifact, again.to_artifact(), "compiling twice differs");
        let loaded = dxmap_runtime::Table::from_artifact(&artifact).unwrap();
        assert_eq!(
            loaded, table,
            "the artifact does not load back to the same table"
        );
        let json = support::table_json(&table);
        // The artifact's header: its format version and the SHA-256 of its
        // bytes. A change of the encoding that keeps the JSON view changes
        // this line; such a change must bump `FORMAT_VERSION`
        // (ARCHITECTURE.md, "The table's bytes").
        let header = artifact
            .split(|byte| *byte == b'\n')
            .next()
            .map(|line| String::from_utf8_lossy(line).into_owned())
            .unwrap();
        support::snapshot_settings(path).bind(|| {
            insta::assert_snapshot!("table", json);
            insta::assert_snapshot!("artifact_header", header);
        });
    });
}
