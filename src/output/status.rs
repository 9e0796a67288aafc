//! Renders `status`: one row per host, desired against live.

pub use crate::plan::status::StatusRow;

pub fn render_text(env: &str, rows: &[StatusRow]) -> String {
    let mut out = format!("Environment `{env}`:\n");
    let w = rows
        .iter()
        .map(|r| r.droplet_name.len())
        .max()
        .unwrap_or(0)
        .max(7);
    // The READY column only when some host's `ready:` asks for a probe.
    let probed = rows.iter().any(|r| r.ready.is_some());
    let ready = |text: &str| match probed {
        true => format!("  {text:<15}"),
        false => String::new(),
    };
    let header = format!(
        "  {:<w$}  {:<8}  {:<12}  {:<12}  {:<10}  {:<15}{}",
        "DROPLET",
        "STATUS",
        "DESIRED",
        "LIVE",
        "ID",
        "PUBLIC IPV4",
        ready("READY")
    );
    out.push_str(header.trim_end());
    out.push('\n');
    for r in rows {
        let line = format!(
            "  {:<w$}  {:<8}  {:<12}  {:<12}  {:<10}  {:<15}{}",
            r.droplet_name,
            r.status,
            r.desired_size,
            r.live_size.as_deref().unwrap_or("-"),
            r.droplet_id
                .map(|i| i.to_string())
                .unwrap_or_else(|| "-".into()),
            r.public_ipv4.as_deref().unwrap_or("-"),
            ready(r.ready.as_deref().unwrap_or("-")),
        );
        out.push_str(line.trim_end());
        out.push('\n');
        if let Some(problem) = &r.problem {
            out.push_str(&format!("  {:<w$}  ! {problem}\n", ""));
        }
    }
    out
}

pub fn render_json(env: &str, rows: &[StatusRow]) -> String {
    let mut text = serde_json::to_string_pretty(&serde_json::json!({"env": env, "hosts": rows}))
        .expect("plain data");
    text.push('\n');
    text
}
