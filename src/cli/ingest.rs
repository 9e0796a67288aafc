//! `stagecraft ingest`: resolve `--db` and `--resources`, run one ingest, print its summary.

use std::process::ExitCode;

use anyhow::Context;

use super::Session;
use crate::exit;
use crate::ingest::{self, Dsn, IngestOptions, Resource, RunStatus, WriteMode};

#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Where to write: postgres://USER:PASSWORD@HOST:PORT/DB, sqlite:PATH or a file path.
    /// Default: STAGECRAFT_DATABASE_URL, else a SQLite file in the user data directory.
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Only these resource types, comma-separated: droplets, databases, firewalls, vpcs,
    /// load_balancers, domains (default: all).
    #[arg(long, value_delimiter = ',', value_parser = parse_resource)]
    pub resources: Vec<Resource>,
    /// Benchmark baseline: one INSERT statement per row instead of multi-row batches.
    #[arg(long, hide = true)]
    pub row_at_a_time: bool,
}

fn parse_resource(text: &str) -> Result<Resource, String> {
    Resource::parse(text).map_err(|e| e.to_string())
}

pub fn run(session: &Session, args: &IngestArgs) -> anyhow::Result<ExitCode> {
    let config = session.config()?;
    let dsn = match args.db.clone().or_else(|| {
        session
            .env_vars
            .get("STAGECRAFT_DATABASE_URL")
            .map(String::from)
    }) {
        Some(db) => Dsn::parse(&db)?,
        None => {
            let dir = session.data_dir();
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("creating the data directory {}", dir.display()))?;
            Dsn::default_in(&dir)
        }
    };
    let mut resources = if args.resources.is_empty() {
        Resource::ALL.to_vec()
    } else {
        args.resources.clone()
    };
    resources.sort();
    resources.dedup();
    let options = IngestOptions {
        dsn,
        resources,
        mode: if args.row_at_a_time {
            WriteMode::RowAtATime
        } else {
            WriteMode::Batched
        },
    };
    let client = session.client(&config)?;
    session
        .out
        .verbose_note(&format!("ingesting into {}", options.dsn.redacted()));
    let summary = ingest::run(&client, session.clock.as_ref(), &options, &mut |r| {
        session.out.verbose_note(&format!(
            "{}: {} ({} rows)",
            r.resource,
            r.status.as_str(),
            r.rows
        ))
    })?;
    if session.out.json {
        session.out.stdout_raw(&summary.render_json());
    } else {
        session.out.stdout_raw(&summary.render_text());
    }
    Ok(exit::code(if summary.status == RunStatus::Success {
        exit::SUCCESS
    } else {
        exit::FAILURE
    }))
}
