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
    let flags = Timings {
        poll_interval: args.poll_interval,
        timeout: args.timeout,
        delete_timeout: None,
    };
    let options = options(session, &config, flags)?;
    let client = session.client(&config)?;
    let mut options = checked(options, &client)?;
    options.readiness = readiness(session, &config, &env, &client, args.parallel)?;
    options.max_replacing = max_replacing(&config, &env)?;
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
    let flags = Timings {
        poll_interval: args.poll_interval,
        timeout: None,
        delete_timeout: args.timeout,
    };
    let options = ApplyOptions {
        kind: apply::RunKind::Destroy,
        ..options(session, &config, flags)?
    };
    let client = session.client(&config)?;
    let options = checked(options, &client)?;
    let _lock = EnvLock::acquire(config.dir(), &env)?;
    // Prices only for the prompt; an approved destroy sends no request it does not need.
    let mut planned = crate::plan::make_destroy(&client, &config.scope(&env), !args.auto_approve)?;
    planned.network = crate::network::NetworkSpec::new(&config, &env);
    crate::plan::network::attach_destroy(&client, &mut planned)?;
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
            let report =
                apply::Report::new(options.kind, &planned.plan.env, client, Duration::ZERO);
            session.out.stdout_raw(&render::render_json(&report));
        } else {
            session.out.stdout_raw(&render_plan::render_text(
                &planned.plan,
                session.out.color,
                session.out.verbose,
            ));
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
    session.out.stdout_raw(&render_plan::render_text(
        &planned.plan,
        session.out.color,
        session.out.verbose,
    ));
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

/// The timings given on the command line; each one missing comes from the config, else the default.
struct Timings {
    poll_interval: Option<Duration>,
    timeout: Option<Duration>,
    delete_timeout: Option<Duration>,
}

fn options(session: &Session, config: &Config, flags: Timings) -> anyhow::Result<ApplyOptions> {
    let settings = config.provider().apply.clone().unwrap_or_default();
    // The config's values were checked when it was loaded; the position is named all the same, in case.
    let pick = |flag: Option<Duration>, configured: &Option<String>, key: &str, default| match (
        flag, configured,
    ) {
        (Some(flag), _) => Ok(flag),
        (None, Some(text)) => parse_duration(text).with_context(|| {
            let pos = config.position(&["cloud", "providers", "digitalocean", "apply", key]);
            format!(
                "{}:{}:{}: apply.{key}",
                config.path.display(),
                pos.line,
                pos.col
            )
        }),
        (None, None) => Ok(default),
    };
    Ok(ApplyOptions {
        poll_interval: pick(
            flags.poll_interval,
            &settings.poll_interval,
            "poll_interval",
            DEFAULT_POLL,
        )?,
        timeout: pick(flags.timeout, &settings.timeout, "timeout", DEFAULT_TIMEOUT)?,
        delete_timeout: pick(
            flags.delete_timeout,
            &settings.delete_timeout,
            "delete_timeout",
            DEFAULT_TIMEOUT,
        )?,
        resize_disk: settings.resize_disk.unwrap_or(false),
        kind: apply::RunKind::Apply,
        clock: session.clock.clone(),
        readiness: None,
        max_replacing: None,
    })
}

/// The probes of the hosts whose `ready:` asks for SSH, set up (ssh found, keys present) before anything
/// is sent; `None` when no host asks.
fn readiness(
    session: &Session,
    config: &Config,
    env: &str,
    client: &crate::provider::Client,
    parallel: u32,
) -> anyhow::Result<Option<apply::Readiness>> {
    let desired = config.desired_hosts(env);
    let probed: Vec<&crate::config::DesiredHost> =
        desired.iter().filter(|h| h.ready.probes()).collect();
    if probed.is_empty() {
        return Ok(None);
    }
    if session.global.sandbox {
        // Its droplets have documentation addresses that nothing answers on: probing would only time out.
        session.out.note(
            "note: ready: is not checked against the built-in sandbox (--sandbox): its droplets have no SSH; \
             to try readiness offline, run `stagecraft sandbox serve --public-ip` with an sshd at that address",
        );
        return Ok(None);
    }
    let ctx = super::exec::context(session, config, env, client);
    let ssh = crate::exec::probe_ssh(&ctx, &probed)
        .context("setting up the readiness probes (ready.ssh)")?;
    Ok(Some(apply::Readiness {
        prober: std::sync::Arc::new(apply::SshProber {
            ssh,
            clock: session.clock.clone(),
        }),
        parallel: parallel as usize,
    }))
}

/// `apply.max_replacing` for this env's number of hosts.
fn max_replacing(config: &Config, env: &str) -> anyhow::Result<Option<usize>> {
    let settings = config.provider().apply.clone().unwrap_or_default();
    let Some(value) = settings.max_replacing else {
        return Ok(None);
    };
    let hosts = config.desired_hosts(env).len();
    let pos = config.position(&[
        "cloud",
        "providers",
        "digitalocean",
        "apply",
        "max_replacing",
    ]);
    value
        .limit(hosts)
        .map(Some)
        .map_err(|e| anyhow::anyhow!("{}:{}:{}: {e}", config.path.display(), pos.line, pos.col))
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
