//! The one integration-test binary: every capability end to end, through the real `stagecraft` binary.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod support;

mod apply;
mod client;
mod config_errors;
mod exec;
mod ingest;
mod plan;
mod sandbox;
mod secrets;
