//! `stagecraft sandbox serve` flags and their conversion to `SandboxOptions`.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use super::SandboxOptions;

#[derive(clap::Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// State file: loaded at start if present, saved after every change.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Time a new droplet takes to boot (and an action to complete), e.g. "2s", "500ms", "0s".
    #[arg(long, default_value = "2s")]
    pub boot_time: String,
    /// The bearer token the sandbox accepts.
    #[arg(long, default_value = "sandbox-token")]
    pub token: String,
    /// Give every droplet this public IPv4 (e.g. 127.0.0.1 to make droplets reachable locally).
    #[arg(long, value_name = "IP")]
    pub public_ip: Option<Ipv4Addr>,
    /// Requests allowed per rolling hour.
    #[arg(long, default_value_t = 5000)]
    pub rate_limit_per_hour: u32,
    /// Requests allowed per rolling minute (burst limit).
    #[arg(long, default_value_t = 250)]
    pub rate_limit_per_minute: u32,
    /// Delay added to every /v2/ response, e.g. "150ms" (requests are still served concurrently).
    #[arg(long, default_value = "0s", value_name = "DURATION")]
    pub latency: String,
}

impl ServeArgs {
    pub fn to_options(&self) -> Result<SandboxOptions, String> {
        let listen: SocketAddr = self.listen.parse().map_err(|e| {
            format!(
                "--listen {:?}: {e} (expected e.g. 127.0.0.1:8080)",
                self.listen
            )
        })?;
        if self.token.trim().is_empty() {
            return Err("--token must not be empty".into());
        }
        if self.rate_limit_per_hour == 0 || self.rate_limit_per_minute == 0 {
            return Err("rate limits must be at least 1".into());
        }
        Ok(SandboxOptions {
            listen,
            state_file: self.state.clone(),
            boot_time: parse_duration(&self.boot_time)?,
            token: self.token.clone(),
            public_ip: self.public_ip,
            seed_ssh_keys: Vec::new(),
            rate_limit_per_hour: self.rate_limit_per_hour,
            rate_limit_per_minute: self.rate_limit_per_minute,
            latency: parse_duration(&self.latency).map_err(|e| format!("--latency: {e}"))?,
            connections: Default::default(),
        })
    }
}

/// "2s", "500ms", "0s", "1.5s", "2m"; a bare number means seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let t = s.trim();
    let err = || format!("invalid duration {s:?} (expected e.g. 2s, 500ms, 0s)");
    let (num, unit) = match t.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "s"),
    };
    let n: f64 = num.parse().map_err(|_| err())?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        _ => return Err(err()),
    };
    if !secs.is_finite() || !(0.0..=86_400.0).contains(&secs) {
        return Err(err());
    }
    Ok(Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases: &[(&str, Option<u64>)] = &[
            ("2s", Some(2000)),
            ("500ms", Some(500)),
            ("0s", Some(0)),
            ("1.5s", Some(1500)),
            ("3", Some(3000)),
            ("1m", Some(60_000)),
            ("", None),
            ("2h", None),
            ("-1s", None),
            ("s", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                parse_duration(input).ok().map(|d| d.as_millis() as u64),
                *want,
                "{input:?}"
            );
        }
    }

    #[test]
    fn to_options_validates() {
        let mut a = ServeArgs {
            listen: "127.0.0.1:0".into(),
            state: None,
            boot_time: "0s".into(),
            token: "t".into(),
            public_ip: None,
            rate_limit_per_hour: 5000,
            rate_limit_per_minute: 250,
            latency: "150ms".into(),
        };
        assert_eq!(
            a.to_options().map(|o| o.latency),
            Ok(Duration::from_millis(150))
        );
        a.latency = "soon".into();
        assert!(a.to_options().is_err());
        a.latency = "0s".into();
        a.listen = "nope".into();
        assert!(a.to_options().is_err());
    }
}
