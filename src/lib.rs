//! dxmap: a rules compiler and runtime for NHS urgent-care routing.
//!
//! ```text
//! .dxm text ──syntax::parse──▶ ast::File ──check::check──▶ model::Model
//!     ──compile──▶ dxmap_runtime::Table ──route──▶ Decision (+ trace)
//! ```
//!
//! Modules, in the order data flows through them:
//! - [`source`]: files, spans, the source map;
//! - [`syntax`]: the pest grammar, lowering to the AST, the formatter;
//! - [`catalogue`]: Pathways release catalogues (YAML), bundled and from files;
//! - [`geo`]: the bundled postcode areas, districts and sectors of Great
//!   Britain with their centroids;
//! - [`check`]: name resolution and semantic checks, producing the model;
//! - [`coverage`]: the totals of a layer's coverage matrix;
//! - [`queues`]: the queue hierarchies in force in a layer, an overlay or
//!   at a postcode;
//! - [`compile`]: the model to the runtime's decision table;
//! - [`cases`]: test-case and capacity files (YAML) to runtime cases;
//! - [`testing`]: a test case's expectations against the router's decision;
//! - [`diff`]: the behavioural difference between two compiled tables;
//! - [`release_impact`]: what a new Pathways release means for a rules tree;
//! - [`diagnostics`]: the one diagnostic type and its renderers;
//! - [`load`]: the only library module that reads files;
//! - [`report`]: the HTML report for commissioners (`dxmap report`);
//! - [`lsp`]: the language server (`dxmap lsp`) over a connection the CLI opens;
//! - [`cli`]: the command line (arguments, printing, exit codes).
//!
//! Invariants: data flows one way; every phase returns its result and all its
//! diagnostics and never stops at the first problem; no library code panics
//! (clippy denies `unwrap`, `expect`, `panic` and indexing).

pub mod cases;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod compile;
pub mod coverage;
pub mod diagnostics;
pub mod diff;
pub mod geo;
pub mod load;
pub mod lsp;
pub mod queues;
pub mod release_impact;
pub mod report;
pub mod source;
pub mod syntax;
pub mod testing;
