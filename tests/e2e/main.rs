//! The one integration-test binary: every capability end to end, through the real `stagecraft` binary.
//! It runs its own test list (see support/harness.rs) so that tests needing PostgreSQL or sshd show as
//! ignored, with the reason, when the service is missing.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod support;

mod account;
mod apply;
mod cli;
mod client;
mod config_errors;
mod exec;
mod ingest;
mod lifecycle;
mod network;
mod plan;
mod ready;
mod requests;
mod safety;
mod sandbox;
mod secrets;

fn main() {
    support::harness::run(
        [
            account::tests(),
            apply::tests(),
            cli::tests(),
            client::tests(),
            config_errors::tests(),
            exec::tests(),
            ingest::tests(),
            lifecycle::tests(),
            network::tests(),
            plan::tests(),
            ready::tests(),
            requests::tests(),
            safety::tests(),
            sandbox::tests(),
            secrets::tests(),
        ]
        .concat(),
    )
}
