//! The networking checks against the account, for `validate` and `plan`: the DNS domain exists, every
//! reserved IP the config names is held by the account and in its host's region. Each problem names the
//! config's file:line.

use super::live::{NetLive, Wants, fetch};
use super::spec::NetworkSpec;
use crate::config::Config;
use crate::ownership::net_owner::canonical_ip;
use crate::provider::{Client, ProviderError};

/// The problems of `env` against what is live, as `file:line:col: message`.
pub fn problems(config: &Config, env: &str, spec: &NetworkSpec, live: &NetLive) -> Vec<String> {
    let path = config.path.display().to_string();
    let at = |keys: &[&str], message: String| {
        let mut full = vec!["cloud", "providers", "digitalocean"];
        full.extend_from_slice(keys);
        let pos = config.position(&full);
        format!("{path}:{}:{}: {message}", pos.line, pos.col)
    };
    let mut out = Vec::new();
    if let (Some(dns), true) = (&spec.dns, live.domain_missing) {
        out.push(at(
            &["dns", "domain"],
            format!(
                "the domain `{}` is not in the account; add it (control panel, or `doctl compute domain create {}`): stagecraft manages records, never domains",
                dns.domain, dns.domain
            ),
        ));
    }
    for host in config.desired_hosts(env) {
        let Some(ip) = &host.reserved_ip else {
            continue;
        };
        let keys = ["hosts", env, host.name.as_str(), "reserved_ip"];
        match live.reserved_ips.iter().find(|r| canonical_ip(&r.ip) == canonical_ip(ip)) {
            None => out.push(at(
                &keys,
                format!("reserved IP {ip} is not in the account; stagecraft only assigns addresses the account already holds"),
            )),
            Some(r) => {
                let region = r.region.as_ref().map_or("", |r| r.slug.as_str());
                if !region.is_empty() && region != host.region {
                    out.push(at(
                        &keys,
                        format!("reserved IP {ip} is in {region}, but host `{}` is in {}; an address can only go to a droplet of its region", host.name, host.region),
                    ));
                }
            }
        }
    }
    out
}

/// `validate`: looks up what `env` names and returns its problems (empty: all there).
pub fn against_api(
    client: &Client,
    config: &Config,
    env: &str,
) -> Result<Vec<String>, ProviderError> {
    let spec = NetworkSpec::new(config, env);
    let wants = Wants {
        firewalls: false,
        ..Wants::of(&spec, false)
    };
    let live = fetch(client, &spec, wants)?;
    Ok(problems(config, env, &spec, &live))
}
