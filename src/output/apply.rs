//! The final apply report: per host what was created, deleted, failed and why.

use crate::apply::{Report, RunKind};

pub fn render_text(report: &Report) -> String {
    let mut out = String::new();
    let width = report
        .results
        .iter()
        .map(|r| r.droplet_name.len())
        .max()
        .unwrap_or(0);
    for r in &report.results {
        let id = r.droplet_id.map(|i| format!(" id={i}")).unwrap_or_default();
        let ip = r
            .public_ipv4
            .as_deref()
            .map(|i| format!(" ip={i}"))
            .unwrap_or_default();
        if r.ok() {
            out.push_str(&format!(
                "  ok      {:<width$}  {}{id}{ip}\n",
                r.droplet_name, r.action
            ));
        } else {
            // API errors name their request id already.
            let rid = r
                .request_id()
                .filter(|id| !r.error().unwrap_or("").contains(*id))
                .map(|i| format!(" (request id {i})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  FAILED  {:<width$}  {}{id}: {}{rid}\n",
                r.droplet_name,
                r.action,
                r.error().unwrap_or("")
            ));
        }
    }
    for r in &report.network {
        let what = format!("{} {}", r.kind.as_str(), r.name);
        match &r.error {
            None => out.push_str(&format!(
                "  ok      {what:<width$}  {}\n",
                r.action.as_str()
            )),
            Some(e) => {
                let rid = (r.request_id.as_deref())
                    .filter(|id| !e.contains(*id))
                    .map(|i| format!(" (request id {i})"))
                    .unwrap_or_default();
                out.push_str(&format!(
                    "  FAILED  {what:<width$}  {}: {e}{rid}\n",
                    r.action.as_str()
                ));
            }
        }
    }
    let failed = report.failed();
    out.push_str(&format!(
        "{} {}: {} done, {failed} failed, {} API requests, {:.1}s.{}\n",
        match report.kind {
            RunKind::Apply => "Apply",
            RunKind::Destroy => "Destroy",
        },
        if failed == 0 {
            "complete"
        } else {
            "incomplete"
        },
        report.results.len() + report.network.len() - failed,
        report.requests,
        report.elapsed_ms as f64 / 1000.0,
        if failed == 0 {
            ""
        } else {
            match report.kind {
                RunKind::Apply => " Run apply again to finish; it picks up where this one stopped.",
                RunKind::Destroy => " Run destroy again to finish.",
            }
        }
    ));
    out
}

/// Why the action log of `apply --db` has holes, for stderr; `None` when every action was recorded.
pub fn render_recording_problems(report: &Report) -> Option<String> {
    let problems = &report.recording_problems;
    if problems.is_empty() {
        return None;
    }
    let mut text = format!(
        "recording actions in the database failed {} time{}; ops.do_actions is missing what this apply did:",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for problem in problems {
        text.push_str(&format!("\n  {problem}"));
    }
    text.push_str("\nThe droplets are as the report above says; check the database before relying on its log.");
    Some(text)
}

/// The one line printed when Ctrl-C stops an apply or destroy.
pub fn render_interrupted(kind: RunKind) -> String {
    let verb = match kind {
        RunKind::Apply => "apply",
        RunKind::Destroy => "destroy",
    };
    format!(
        "\ninterrupted: nothing is lost. What was sent is done or not sent at all; run `stagecraft {verb}` again and it finishes the job (droplets already created are found, not made twice)."
    )
}

/// How the requests went, for `-v`.
pub fn render_budget(report: &Report) -> String {
    format!(
        "{} API requests, at most {} in flight at once, {:.1}s waited on the request budget.",
        report.requests,
        report.most_in_flight,
        report.budget_wait_ms as f64 / 1000.0
    )
}

/// What `adopt` did.
pub fn render_adopted(name: &str, id: u64, env: &str, added: &[String]) -> String {
    format!(
        "Adopted `{name}` (id {id}) into `{env}`: added {}. Run `stagecraft plan` to see the rest (its hash tags are written by the next apply).",
        if added.is_empty() {
            "no tags (it had them)".to_string()
        } else {
            added.join(", ")
        }
    )
}

pub fn render_json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("a report is plain data");
    text.push('\n');
    text
}
