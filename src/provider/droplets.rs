//! Droplet endpoints: listings (by tag, by name, the whole account), batched creates and deletes.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::client::{Client, PER_PAGE};
use super::error::ProviderError;
use super::models::Droplet;
use super::pages::decode_item;
use super::retry::RetryMode;
use super::url::encode;

/// Up to this many wanted names, one exact-name lookup each, all at once (two waves of the default
/// in-flight limit): cheaper in time than probing the account's size first. Above it, one `per_page=1`
/// probe decides whether walking the account costs fewer requests.
const PROBE_ABOVE_NAMES: usize = 16;

/// The body of `POST /v2/droplets` with `names`: one request creates up to ten droplets of one spec.
///
/// Fields are in alphabetical order, so the JSON is byte-identical to a map-built body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreateDroplets {
    pub backups: bool,
    pub image: ImageRef,
    pub ipv6: bool,
    pub monitoring: bool,
    pub names: Vec<String>,
    pub region: String,
    pub size: String,
    /// SSH key ids (or fingerprints) installed for root at creation.
    pub ssh_keys: Vec<Value>,
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_data: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vpc_uuid: Option<String>,
}

/// An image named by id or slug: ids go out as integers, slugs as strings (the API takes either).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(untagged)]
pub enum ImageRef {
    Id(u64),
    Slug(String),
}

impl ImageRef {
    pub fn parse(image: &str) -> ImageRef {
        image
            .parse::<u64>()
            .map(ImageRef::Id)
            .unwrap_or_else(|_| ImageRef::Slug(image.to_string()))
    }
}

/// What a create answered: the droplets (as the API first describes them) and, for each, the id of its
/// `create` action from `links.actions` (same order), when given.
#[derive(Debug, Clone, Default)]
pub struct Created {
    pub droplets: Vec<(Droplet, Option<u64>)>,
}

impl Client {
    /// Every droplet carrying `tag`, every page, sorted by name then id. A failed page fails the listing.
    pub fn droplets_tagged(&self, tag: &str) -> Result<Vec<Droplet>, ProviderError> {
        let mut droplets: Vec<Droplet> = self.list_all(
            &format!("/v2/droplets?tag_name={}", encode(tag)),
            "droplets",
        )?;
        sort(&mut droplets);
        Ok(droplets)
    }

    /// Every droplet whose name is in `names` (case-insensitively), whatever its tags, sorted. Costs the
    /// cheaper of one exact-name lookup per name and a walk of the whole account (learned from one
    /// `per_page=1` probe of `meta.total`).
    pub fn droplets_named(&self, names: &[&str]) -> Result<Vec<Droplet>, ProviderError> {
        if names.is_empty() {
            return Ok(Vec::new());
        }
        let mut found: Vec<Droplet> = Vec::new();
        if names.len() > PROBE_ABOVE_NAMES && self.account_pages()? < names.len() as u64 {
            let wanted: BTreeSet<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
            self.list_pages("/v2/droplets", "droplets", |items| {
                for item in items {
                    let droplet: Droplet = decode_item(item, "/v2/droplets", "droplets")?;
                    if wanted.contains(&droplet.name.to_ascii_lowercase()) {
                        found.push(droplet);
                    }
                }
                Ok::<(), ProviderError>(())
            })?;
        } else {
            let lookups = self.each_parallel(names, |name| {
                self.list_all::<Droplet>(&format!("/v2/droplets?name={}", encode(name)), "droplets")
            });
            for result in lookups {
                found.extend(result?);
            }
        }
        sort(&mut found);
        Ok(found)
    }

    /// How many full pages a walk of every droplet in the account would take.
    fn account_pages(&self) -> Result<u64, ProviderError> {
        let probe = self.send(
            "GET",
            "/v2/droplets?per_page=1",
            None,
            RetryMode::Idempotent,
        )?;
        let total = probe
            .body
            .pointer("/meta/total")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX);
        Ok(total.div_ceil(u64::from(PER_PAGE)))
    }

    /// Sends one create. Only a 429 is retried: after any ambiguous failure the caller must list before
    /// sending again, or a droplet could be made twice.
    pub fn create_droplets(&self, request: &CreateDroplets) -> Result<Created, ProviderError> {
        let body = serde_json::to_value(request).map_err(|e| ProviderError::Decode {
            method: "POST".into(),
            path: "/v2/droplets".into(),
            message: format!("the create request: {e}"),
        })?;
        let reply = self.post("/v2/droplets", &body)?;
        let action_ids: Vec<Option<u64>> = reply
            .body
            .pointer("/links/actions")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|l| l.get("id").and_then(Value::as_u64))
                    .collect()
            })
            .unwrap_or_default();
        let listed = match (reply.body.get("droplets"), reply.body.get("droplet")) {
            (Some(Value::Array(items)), _) => items.clone(),
            (_, Some(one)) => vec![one.clone()],
            _ => Vec::new(),
        };
        let droplets = listed
            .into_iter()
            .enumerate()
            .filter_map(|(i, v)| {
                let droplet: Droplet = serde_json::from_value(v).ok()?;
                Some((droplet, action_ids.get(i).copied().flatten()))
            })
            .collect();
        Ok(Created { droplets })
    }

    /// One droplet by id; `None` when it does not exist (404).
    pub fn droplet(&self, id: u64) -> Result<Option<Droplet>, ProviderError> {
        match self.get::<Droplet>(&format!("/v2/droplets/{id}"), "droplet") {
            Ok(found) => Ok(Some(found)),
            Err(ProviderError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Deletes every droplet carrying `tag`, in one request. The caller must have checked that every
    /// such droplet is meant to go.
    pub fn delete_droplets_tagged(&self, tag: &str) -> Result<(), ProviderError> {
        self.delete(&format!("/v2/droplets?tag_name={}", encode(tag)))
            .map(|_| ())
    }

    /// Deletes droplet `id`. `Ok(false)` when it was already gone (404), which a retried delete can see.
    pub fn delete_droplet(&self, id: u64) -> Result<bool, ProviderError> {
        self.delete(&format!("/v2/droplets/{id}"))
    }
}

fn sort(droplets: &mut [Droplet]) {
    droplets.sort_by(|a, b| crate::natural::cmp(&a.name, &b.name).then(a.id.cmp(&b.id)));
}
