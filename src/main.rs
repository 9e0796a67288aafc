//! The `stagecraft` binary: everything lives in the library so tests can call it.
fn main() -> std::process::ExitCode {
    stagecraft::run(std::env::args_os())
}
