//! Checks of the desired hosts against the account's catalogue (regions, sizes, images, SSH keys). Pure.

use crate::config::DesiredHost;
use crate::config::schema_check::did_you_mean;
use crate::provider::Catalog;

/// One reason the config cannot be applied to this account, tied to the host it concerns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CatalogProblem {
    /// The host's position in the config, for `file:line:col`.
    pub line: usize,
    pub col: usize,
    pub message: String,
}

pub fn check(
    desired: &[DesiredHost],
    wanted_keys: &[(&str, &str)],
    max_monthly_usd: Option<f64>,
    catalog: &Catalog,
) -> Vec<CatalogProblem> {
    let mut problems = Vec::new();
    let key_names: Vec<&str> = catalog.ssh_keys.iter().map(|k| k.name.as_str()).collect();
    // (`ssh_key_name` or `ssh_keys`, the name)
    for &(key, ssh_key_name) in wanted_keys {
        if key_names.contains(&ssh_key_name) {
            continue;
        }
        let hint = match did_you_mean(ssh_key_name, &key_names) {
            Some(close) => format!("did you mean `{close}`?"),
            None if key_names.is_empty() => {
                "the account has no SSH keys; add one with `doctl compute ssh-key create`".into()
            }
            None => format!("the account has: {}", key_names.join(", ")),
        };
        problems.push(CatalogProblem {
            line: 0,
            col: 0,
            message: format!("{key} `{ssh_key_name}` does not exist in the account; {hint}"),
        });
    }
    let region_slugs: Vec<&str> = catalog.regions.iter().map(|r| r.slug.as_str()).collect();
    let size_slugs: Vec<&str> = catalog.sizes.iter().map(|s| s.slug.as_str()).collect();
    let mut planned = 0.0;
    for host in desired {
        let mut push = |message: String| {
            problems.push(CatalogProblem {
                line: host.pos.line,
                col: host.pos.col,
                message,
            })
        };
        let who = format!("host `{}`", host.name);
        match catalog.regions.iter().find(|r| r.slug == host.region) {
            None => push(format!(
                "{who}: region `{}` does not exist{}",
                host.region,
                did_you_mean(&host.region, &region_slugs)
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default()
            )),
            Some(region) if !region.available => push(format!(
                "{who}: region `{}` is not available for new droplets",
                host.region
            )),
            Some(_) => {}
        }
        match catalog.sizes.iter().find(|s| s.slug == host.size) {
            None => push(format!(
                "{who}: size `{}` does not exist{}",
                host.size,
                did_you_mean(&host.size, &size_slugs)
                    .map(|c| format!("; did you mean `{c}`?"))
                    .unwrap_or_default()
            )),
            Some(size) if !size.available => {
                push(format!("{who}: size `{}` is not available", host.size))
            }
            Some(size)
                if !size.regions.contains(&host.region)
                    && region_slugs.contains(&host.region.as_str()) =>
            {
                push(format!(
                    "{who}: size `{}` is not offered in region `{}`",
                    host.size, host.region
                ))
            }
            Some(size) => planned += size.price_monthly,
        }
        match catalog.images.get(&host.image) {
            Some(Some(image))
                if !image.regions.is_empty() && !image.regions.contains(&host.region) =>
            {
                push(format!(
                    "{who}: image `{}` is not available in region `{}`",
                    host.image, host.region
                ))
            }
            Some(Some(_)) => {}
            _ => push(format!(
                "{who}: image `{}` does not exist (use a slug such as ubuntu-22-04-x64 or a numeric id)",
                host.image
            )),
        }
    }
    if let Some(max) = max_monthly_usd
        && planned > max
    {
        problems.push(CatalogProblem { line: 0, col: 0, message: format!("the environment would cost ${planned:.2}/month; policy.max_monthly_usd allows ${max:.2}") });
    }
    problems.sort();
    problems.dedup();
    problems
}
