//! Reading table files written by `dxmap build`: whole, or with the
//! reader a command gives (`dxmap route --table` reads one part by part).
//!
//! Imports: `super` (bounded reads, errors), `dxmap_runtime`.

use std::path::Path;

use super::{read_bounded, LoadError, Read};

/// The largest table file dxmap reads (256 MiB; a national table is 4 MB).
pub const MAX_TABLE_BYTES: u64 = 256 * 1024 * 1024;

/// Reads a table file written by `dxmap build`, whole.
pub fn read_table(path: &Path) -> Result<dxmap_runtime::Table, LoadError> {
    read_table_with(path, |bytes| dxmap_runtime::Table::from_artifact(&bytes))
}

/// Reads a table file with `load` (`Router::from_artifact` reads it part by
/// part), refusing one over [`MAX_TABLE_BYTES`], naming the file in errors.
pub fn read_table_with<T>(
    path: &Path,
    load: impl FnOnce(Vec<u8>) -> Result<T, dxmap_runtime::LoadError>,
) -> Result<T, LoadError> {
    let read = read_bounded(path, MAX_TABLE_BYTES).map_err(|source| LoadError::Io {
        path: path.to_owned(),
        source,
    })?;
    match read {
        Read::Whole(bytes) => load(bytes).map_err(|source| LoadError::Table {
            path: path.to_owned(),
            source,
        }),
        Read::TooLarge(size) => Err(LoadError::TableTooLarge {
            path: path.to_owned(),
            size: size.map_or_else(String::new, |size| format!("{size} bytes, ")),
            limit: MAX_TABLE_BYTES,
        }),
    }
}
