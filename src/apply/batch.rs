//! Groups creates into `names` requests: same spec together, at most ten names each, in name order.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::config::DesiredHost;
use crate::provider::{CreateDroplets, ImageRef};

/// The API's limit on `names` in one create.
pub const MAX_NAMES: usize = 10;

/// One create request: the droplet names and the spec shared by all of them.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    pub names: Vec<String>,
    /// The create request with no names.
    pub spec: CreateDroplets,
}

impl Batch {
    pub fn request(&self, names: &[String]) -> CreateDroplets {
        CreateDroplets {
            names: names.to_vec(),
            ..self.spec.clone()
        }
    }
}

/// A host to create, with the extra tags it needs (a replacement names the droplet it replaces).
pub struct Create<'a> {
    pub host: &'a DesiredHost,
    pub extra_tags: Vec<String>,
}

pub fn spec_of(create: &Create<'_>, ssh_keys: &[Value]) -> CreateDroplets {
    let host = create.host;
    let mut tags = host.tags();
    tags.extend(create.extra_tags.iter().cloned());
    CreateDroplets {
        backups: host.backups,
        image: ImageRef::parse(&host.image),
        ipv6: host.ipv6,
        monitoring: host.monitoring,
        names: Vec::new(),
        region: host.region.clone(),
        size: host.size.clone(),
        ssh_keys: ssh_keys.to_vec(),
        tags,
        user_data: host.user_data.clone(),
        vpc_uuid: host.vpc_uuid.clone(),
    }
}

/// Creates grouped by identical spec, split into chunks of ten, ordered by their first droplet name.
pub fn batches(creates: &[Create<'_>], ssh_keys: &[Value]) -> Vec<Batch> {
    let mut groups: BTreeMap<String, (CreateDroplets, Vec<String>)> = BTreeMap::new();
    for create in creates {
        let spec = spec_of(create, ssh_keys);
        let key = serde_json::to_string(&spec).unwrap_or_default();
        groups
            .entry(key)
            .or_insert_with(|| (spec, Vec::new()))
            .1
            .push(create.host.droplet_name.clone());
    }
    let mut out: Vec<Batch> = Vec::new();
    for (_, (spec, mut names)) in groups {
        names.sort();
        for chunk in names.chunks(MAX_NAMES) {
            out.push(Batch {
                names: chunk.to_vec(),
                spec: spec.clone(),
            });
        }
    }
    out.sort_by(|a, b| a.names[0].cmp(&b.names[0]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DesiredHost;
    use serde_json::json;

    fn host(name: &str, size: &str) -> DesiredHost {
        DesiredHost {
            size: size.into(),
            ..DesiredHost::example(name)
        }
    }

    #[test]
    fn groups_by_spec_and_splits_at_ten() {
        let hosts: Vec<DesiredHost> = (1..=23)
            .map(|i| {
                host(
                    &format!("app-{i:02}"),
                    if i % 10 == 0 {
                        "s-2vcpu-4gb"
                    } else {
                        "s-1vcpu-1gb"
                    },
                )
            })
            .collect();
        let creates: Vec<Create> = hosts
            .iter()
            .map(|h| Create {
                host: h,
                extra_tags: vec![],
            })
            .collect();
        let batches = batches(&creates, &[json!("fp")]);
        let sizes: Vec<usize> = batches.iter().map(|b| b.names.len()).collect();
        // Ordered by first name: app-01.., app-10+app-20, app-12.., app-23.
        assert_eq!(sizes, vec![10, 2, 10, 1]);
        assert!(batches.iter().all(|b| b.names.len() <= MAX_NAMES));
        assert_eq!(batches[0].names[0], "staging-app-01");
        let big: Vec<&str> = batches
            .iter()
            .filter(|b| b.spec.size == "s-2vcpu-4gb")
            .flat_map(|b| b.names.iter().map(String::as_str))
            .collect();
        assert_eq!(big, vec!["staging-app-10", "staging-app-20"]);
        let body = serde_json::to_value(batches[0].request(&batches[0].names)).unwrap();
        assert_eq!(body["names"].as_array().unwrap().len(), 10);
        assert!(
            body["tags"]
                .as_array()
                .unwrap()
                .contains(&json!("stagecraft:env:staging"))
        );
    }

    #[test]
    fn a_replacement_never_shares_a_request() {
        let a = host("app-1", "s-1vcpu-1gb");
        let b = host("app-2", "s-1vcpu-1gb");
        let creates = vec![
            Create {
                host: &a,
                extra_tags: vec!["stagecraft:replaces:7".into()],
            },
            Create {
                host: &b,
                extra_tags: vec![],
            },
        ];
        assert_eq!(batches(&creates, &[json!(1)]).len(), 2);
    }
}
