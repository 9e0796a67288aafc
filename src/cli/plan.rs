//! `stagecraft plan`: show what apply would change.

use std::process::ExitCode;

use anyhow::Context;

use super::Session;
use super::args::PlanArgs;
use crate::exit;
use crate::output::plan::{render_json, render_text};

pub fn run(session: &Session, args: &PlanArgs) -> anyhow::Result<ExitCode> {
    let config = session.config()?;
    let env = session.env(&config)?;
    let client = session.client(&config)?;
    let planned = crate::plan::make(&client, &config, &env)?;
    let plan = &planned.plan;
    if let Some(path) = &args.out {
        std::fs::write(path, render_json(plan))
            .with_context(|| format!("saving the plan to {}", path.display()))?;
    }
    if session.out.json {
        session.out.stdout_raw(&render_json(plan));
    } else {
        session
            .out
            .stdout_raw(&render_text(plan, session.out.color, session.out.verbose));
        if let Some(path) = &args.out {
            session.out.note(&format!(
                "Saved the plan to {}; run `stagecraft apply {}` to carry it out.",
                path.display(),
                path.display()
            ));
        }
    }
    session
        .out
        .verbose_note(&format!("{} API requests", client.request_count()));
    Ok(exit::code(
        if args.detailed_exitcode && plan.has_changes() {
            exit::CHANGES
        } else {
            exit::SUCCESS
        },
    ))
}
