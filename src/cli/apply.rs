//! `stagecraft apply` and `stagecraft destroy`: plan, confirm, carry out, report.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};

use super::Session;
use super::args::{ApplyArgs, DestroyArgs};
use crate::apply::{self, ActionKind, ActionSink, ApplyOptions, EnvLock, Finished, NoActions};
use crate::clock::parse_duration;
use crate::config::Config;
use crate::exit;
use crate::ingest::ActionRecorder;
use crate::output::progress::ApplyProgress;
use crate::output::{apply as render, plan as render_plan};
use crate::plan::Planned;
use crate::provider::DropletStatus;

const DEFAULT_POLL: Duration = Duration::from_secs(5);
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

pub fn run(session: &Session, args: &ApplyArgs) -> anyhow::Result<ExitCode> {
    let config = session.config()?;
    let env = session.env(&config)?;
    let options = options(
        session,
        &config,
        args.poll_interval.as_deref(),
        args.timeout.as_deref(),
        None,
    )?;
    let client = session.client(&config)?;
    let options = checked(options, &client)?;
    let _lock = EnvLock::acquire(config.dir(), &env)?;
    let planned = crate::plan::make(&client, &config, &env)?;
    refuse_blocked(&planned, "apply")?;
    if let Some(path) = &args.plan_file {
        let saved = apply::saved::load(path)?;
        apply::saved::check_current(path, &saved, &planned.plan)?;
    } else if planned.plan.has_changes() && !args.auto_approve {
        confirm(session, &planned, "apply")?;
    }
    let db = args
        .db
        .as_deref()
        .or_else(|| session.env_vars.get("STAGECRAFT_DATABASE_URL"));
    let mut sink = action_sink(db)?;
    carry_out(session, &client, &planned, &options, sink.as_mut())
}

pub fn destroy(session: &Session, args: &DestroyArgs) -> anyhow::Result<ExitCode> {
    let config = session.config()?;
    let env = session.env(&config)?;
    let options = options(
        session,
        &config,
        args.poll_interval.as_deref(),
        None,
        args.timeout.as_deref(),
    )?;
    let options = ApplyOptions {
        kind: apply::RunKind::Destroy,
        ..options
    };
    let client = session.client(&config)?;
    let options = checked(options, &client)?;
    let _lock = EnvLock::acquire(config.dir(), &env)?;
    let planned = crate::plan::make_destroy(&client, &config.scope(&env))?;
    refuse_blocked(&planned, "destroy")?;
    if planned.plan.has_changes() && !args.auto_approve {
        confirm(session, &planned, "destroy")?;
    }
    carry_out(session, &client, &planned, &options, &mut NoActions)
}

fn carry_out(
    session: &Session,
    client: &crate::provider::Client,
    planned: &Planned,
    options: &ApplyOptions,
    sink: &mut dyn ActionSink,
) -> anyhow::Result<ExitCode> {
    let waiting = planned.live.iter().any(|d| d.status == DropletStatus::New);
    if !planned.plan.has_changes() && !waiting {
        if session.out.json {
            session.out.stdout_raw(&render::render_json(&apply::Report {
                kind: options.kind,
                env: planned.plan.env.clone(),
                results: Vec::new(),
                requests: client.request_count(),
                most_in_flight: client.budget_stats().most_in_flight,
                budget_wait_ms: client.budget_stats().waited.as_millis() as u64,
                elapsed_ms: 0,
                recording_problems: Vec::new(),
            }));
        } else {
            session
                .out
                .stdout_raw(&render_plan::render_text(&planned.plan, session.out.color));
        }
        return Ok(exit::code(exit::SUCCESS));
    }
    on_interrupt(options.kind);
    let mut progress = ApplyProgress::new(&session.out);
    let report = apply::execute(client, planned, options, &mut progress, sink);
    progress.finish();
    if session.out.json {
        session.out.stdout_raw(&render::render_json(&report));
    } else {
        session.out.stdout_raw(&render::render_text(&report));
    }
    session.out.verbose_note(&render::render_budget(&report));
    if let Some(problems) = render::render_recording_problems(&report) {
        session.out.error(&problems);
    }
    // The droplets are done either way, but an audit trail with holes needs a person's attention.
    Ok(exit::code(
        if report.failed() == 0 && report.recording_problems.is_empty() {
            exit::SUCCESS
        } else {
            exit::FAILURE
        },
    ))
}

/// Ctrl-C while requests are out: the process stops, and one line says that nothing is lost. Every
/// create and delete is either done by the API or not sent; the next run lists the env and finishes.
fn on_interrupt(kind: apply::RunKind) {
    // A second handler (a second carry-out in one process, in tests) is refused: the first one stays.
    let _ = ctrlc::set_handler(move || {
        crate::output::Out::interrupted(&render::render_interrupted(kind));
        std::process::exit(130);
    });
}

/// Protected droplets are never deleted or replaced: such a plan is refused whole, before any request.
fn refuse_blocked(planned: &Planned, verb: &str) -> anyhow::Result<()> {
    match render_plan::render_blocked(&planned.plan, verb) {
        Some(text) => Err(anyhow::Error::msg(text)),
        None => Ok(()),
    }
}

fn confirm(session: &Session, planned: &Planned, verb: &str) -> anyhow::Result<()> {
    if !std::io::stdin().is_terminal() {
        bail!(
            "refusing to {verb} without confirmation: standard input is not a terminal; review `stagecraft plan` and pass --auto-approve"
        );
    }
    session
        .out
        .stdout_raw(&render_plan::render_text(&planned.plan, session.out.color));
    let what = if verb == "destroy" {
        "these droplets"
    } else {
        "these changes"
    };
    let answer = session.out.prompt(&format!(
        "Do you want to {verb} {what} in `{}`? Only 'yes' will be accepted: ",
        planned.plan.env
    ))?;
    if answer.trim() != "yes" {
        bail!("{verb} cancelled; nothing was changed");
    }
    Ok(())
}

fn options(
    session: &Session,
    config: &Config,
    poll: Option<&str>,
    timeout: Option<&str>,
    delete_timeout: Option<&str>,
) -> anyhow::Result<ApplyOptions> {
    let settings = config.provider().apply.clone().unwrap_or_default();
    let parse = |flag: Option<&str>,
                 configured: Option<&String>,
                 what: &str,
                 default: Duration|
     -> anyhow::Result<Duration> {
        match flag.or(configured.map(String::as_str)) {
            Some(text) => parse_duration(text)
                .map_err(anyhow::Error::msg)
                .with_context(|| format!("reading {what}")),
            None => Ok(default),
        }
    };
    Ok(ApplyOptions {
        poll_interval: parse(
            poll,
            settings.poll_interval.as_ref(),
            "the poll interval",
            DEFAULT_POLL,
        )?,
        timeout: parse(
            timeout,
            settings.timeout.as_ref(),
            "the timeout",
            DEFAULT_TIMEOUT,
        )?,
        delete_timeout: parse(
            delete_timeout,
            settings.delete_timeout.as_ref(),
            "the delete timeout",
            DEFAULT_TIMEOUT,
        )?,
        resize_disk: settings.resize_disk.unwrap_or(false),
        kind: apply::RunKind::Apply,
        clock: session.clock.clone(),
    })
}

/// The timings, checked against where requests go (a local sandbox may be polled faster).
fn checked(
    options: ApplyOptions,
    client: &crate::provider::Client,
) -> anyhow::Result<ApplyOptions> {
    let local = crate::provider::url::is_loopback_url(client.base_url());
    options.check(local).map_err(anyhow::Error::msg)?;
    Ok(options)
}

fn action_sink(db: Option<&str>) -> anyhow::Result<Box<dyn ActionSink>> {
    match db {
        None => Ok(Box::new(NoActions)),
        Some(db) => {
            let recorder = ActionRecorder::open(db).context("opening the database for --db")?;
            Ok(Box::new(RecordActions {
                recorder,
                errors: Vec::new(),
            }))
        }
    }
}

/// `apply --db`: every dispatched action in `ops.do_actions`, `pending` before the call.
struct RecordActions {
    recorder: ActionRecorder,
    errors: Vec<String>,
}

impl ActionSink for RecordActions {
    fn pending(
        &mut self,
        droplet_name: &str,
        droplet_id: Option<u64>,
        action: ActionKind,
    ) -> Option<i64> {
        match self
            .recorder
            .pending(droplet_name, droplet_id, action.as_str())
        {
            Ok(row) => Some(row),
            Err(e) => {
                self.errors.push(e.to_string());
                None
            }
        }
    }

    fn finish(&mut self, row: Option<i64>, outcome: Finished<'_>) {
        let Some(row) = row else { return };
        let recorded = match outcome {
            Finished::Done {
                do_action,
                droplet_id,
            } => self.recorder.finish(row, true, do_action, droplet_id, None),
            Finished::Failed { droplet_id, error } => {
                self.recorder
                    .finish(row, false, None, droplet_id, Some(error))
            }
        };
        if let Err(e) = recorded {
            self.errors.push(e.to_string());
        }
    }

    fn problems(&self) -> Vec<String> {
        self.errors.clone()
    }
}
