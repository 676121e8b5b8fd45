//! The server's tests load `server/tests/data/rules.dxt`, a table built
//! from the shipped `rules/` (the server cannot depend on the compiler to
//! build one). This checks the committed file is what `dxmap build` writes
//! today; when it is not, regenerate it with
//! `cargo run -- build rules -o server/tests/data/rules.dxt`.

use std::path::Path;

#[test]
fn the_servers_test_table_is_up_to_date() {
    // Relative, as `dxmap build rules` is run: rule sources name `rules/…`.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let checked = dxmap::load::check_tree(Path::new("rules"), None).unwrap();
    let model = checked.model.as_ref().unwrap();
    let built = dxmap::compile::compile(model, &checked.sources).to_artifact();
    let committed = std::fs::read(root.join("server/tests/data/rules.dxt")).unwrap();
    assert!(
        built == committed,
        "server/tests/data/rules.dxt is out of date: run `cargo run -- build rules -o server/tests/data/rules.dxt`"
    );
}
