//! zen-engine: the JDM decision graph exported from the compiled table.
//!
//! Not written yet (see BENCHMARKS.md, "Peers"): with `--features zen` the
//! harness stops here and says so, rather than report a peer it did not run.

use dxmap_runtime::{Case, Table};

use crate::prep::Prep;
use crate::{Answer, Row};

#[expect(clippy::too_many_arguments, reason = "the tree's state")]
pub fn run(
    _name: &str,
    _table: &Table,
    _cases: &[Case],
    _preps: &[Prep],
    _expected: &[Answer],
    _rounds: usize,
    _rows: &mut Vec<Row>,
    _analysis: &mut Vec<String>,
    _model: &dxmap::check::model::Model,
) -> Result<(), String> {
    Err("the zen-engine export is not written yet (BENCHMARKS.md, Peers)".to_owned())
}
