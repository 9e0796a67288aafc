//! The final apply report: per host what was created, deleted, failed and why.

use crate::apply::Report;

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
        if r.ok {
            out.push_str(&format!(
                "  ok      {:<width$}  {}{id}{ip}\n",
                r.droplet_name, r.action
            ));
        } else {
            let rid = r
                .request_id
                .as_deref()
                .map(|i| format!(" (request id {i})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  FAILED  {:<width$}  {}{id}: {}{rid}\n",
                r.droplet_name,
                r.action,
                r.error.as_deref().unwrap_or("")
            ));
        }
    }
    let failed = report.failed();
    out.push_str(&format!(
        "Apply {}: {} done, {failed} failed, {} API requests, {:.1}s.{}\n",
        if failed == 0 {
            "complete"
        } else {
            "incomplete"
        },
        report.results.len() - failed,
        report.requests,
        report.elapsed_ms as f64 / 1000.0,
        if failed == 0 {
            ""
        } else {
            " Run apply again to finish; it picks up where this one stopped."
        }
    ));
    out
}

pub fn render_json(report: &Report) -> String {
    let mut text = serde_json::to_string_pretty(report).expect("a report is plain data");
    text.push('\n');
    text
}
