//! The one integration-test binary: every capability end to end, through the real `stagecraft` binary.
//! It runs its own test list (see support/harness.rs) so that tests needing PostgreSQL or sshd show as
//! ignored, with the reason, when the service is missing.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod support;

mod account;
mod adopt_refusals;
mod api_errors;
mod apply;
mod cli;
mod client;
mod config_errors;
mod config_rules;
mod exec;
mod ingest;
mod lifecycle;
mod network;
mod plan;
mod ready;
mod replies;
mod requests;
mod safety;
mod sandbox;
mod saved_plans;
mod secrets;
mod waits;

fn main() {
    support::harness::run(
        [
            account::tests(),
            adopt_refusals::tests(),
            api_errors::tests(),
            apply::tests(),
            cli::tests(),
            client::tests(),
            config_errors::tests(),
            config_rules::tests(),
            exec::tests(),
            ingest::tests(),
            lifecycle::tests(),
            network::tests(),
            plan::tests(),
            ready::tests(),
            replies::tests(),
            requests::tests(),
            safety::tests(),
            saved_plans::tests(),
            sandbox::tests(),
            secrets::tests(),
            waits::tests(),
        ]
        .concat(),
    )
}
