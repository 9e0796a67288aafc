//! The floor of `scripts/bench-ingest`: fetches every page of the given resource types from an API and
//! reads it into rows exactly as `stagecraft ingest` does, and writes nothing. Prints what `ingest
//! --json` would of it (`status`, `rows`), so the benchmark times both the same way.
//!
//! `BENCH_DO_TOKEN=... ingest_parse_only API_URL droplets,databases,firewalls,vpcs`

use std::io::Write;
use std::process::ExitCode;

use stagecraft::ingest::{Resource, parse_only};
use stagecraft::provider::{Client, ClientOptions, Token};

fn main() -> ExitCode {
    match floor() {
        Ok(rows) => {
            let line = format!("{{\"status\": \"success\", \"rows\": {rows}}}\n");
            match std::io::stdout().write_all(line.as_bytes()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(_) => ExitCode::FAILURE,
            }
        }
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "ingest_parse_only: {message}");
            ExitCode::FAILURE
        }
    }
}

fn floor() -> Result<u64, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, resources] = args.as_slice() else {
        return Err("usage: ingest_parse_only API_URL RESOURCE,RESOURCE,...".into());
    };
    let token = std::env::var("BENCH_DO_TOKEN").map_err(|_| "set BENCH_DO_TOKEN")?;
    let client =
        Client::new(ClientOptions::new(url, Token::new(token))).map_err(|e| e.to_string())?;
    let resources = resources
        .split(',')
        .map(Resource::parse)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    parse_only(&client, &resources).map_err(|e| e.to_string())
}
