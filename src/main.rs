//! The `dxmap` binary: a thin shell over [`dxmap::cli`].

fn main() -> std::process::ExitCode {
    dxmap::cli::run()
}
