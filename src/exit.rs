//! The one table of exit codes.

use std::process::ExitCode;

/// Success, or nothing to change.
pub const SUCCESS: u8 = 0;
/// Any error.
pub const FAILURE: u8 = 1;
/// `plan --detailed-exitcode` found changes.
pub const CHANGES: u8 = 2;

pub fn code(value: u8) -> ExitCode {
    ExitCode::from(value)
}
