//! The one integration-test binary: every capability end to end, through the real `stagecraft` binary.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod support;

mod config_errors;
mod exec;
mod plan;
mod sandbox;
