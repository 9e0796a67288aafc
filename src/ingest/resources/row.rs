//! How one API object becomes one typed table row: read once from the page's text into typed fields that
//! borrow from it, with the object's own bytes as `raw` (credentials cut out by a targeted edit).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::lenient::{Count, Flag, Id, Int, Json, Networks, Obj, Region, SlugName, Text};
use super::{Resource, Row, SqlValue};
use crate::ingest::redact::{may_hold_secrets, redact_raw};

impl Resource {
    /// Reads one API object (an item of a page) into `row`, replacing what it held. Fails only when the
    /// object has no usable id (or is not an object at all).
    pub fn read_row<'a>(self, item: &'a RawValue, row: &mut Row<'a>) -> Result<(), String> {
        let text = item.get();
        if may_hold_secrets(text)
            && let Cow::Owned(clean) = redact_raw(text).map_err(|e| e.to_string())?
        {
            // The columns come from the cleaned copy too (a JSON column may hold a credential), so they
            // own their text; this is the rare object with credentials (database clusters).
            let mut copy = Row::new();
            self.fill(&clean, &mut copy)?;
            row.do_id = copy.do_id.into_owned();
            row.values.clear();
            row.values.extend(
                copy.values
                    .into_iter()
                    .map(|v| -> SqlValue<'a> { v.into_owned() }),
            );
            row.raw = Cow::Owned(clean);
            return Ok(());
        }
        self.fill(text, row)
    }

    /// Reads the typed columns of `text` into `row`, borrowing from it.
    fn fill<'a>(self, text: &'a str, row: &mut Row<'a>) -> Result<(), String> {
        let mut o = serde_json::from_str::<Obj<Object<'a>>>(text)
            .map_err(|e| e.to_string())?
            .0
            .unwrap_or_default();
        let present = |s: &Option<Cow<'a, str>>| s.clone().filter(|s| !s.is_empty());
        row.do_id = match self {
            Resource::Droplets => {
                SqlValue::Int(Some(o.id.0.0.ok_or("a droplet without an integer `id`")?))
            }
            Resource::Domains => {
                SqlValue::Text(Some(present(&o.name.0).ok_or("a domain without a `name`")?))
            }
            _ => {
                SqlValue::Text(Some(present(&o.id.0.1).ok_or_else(|| {
                    format!("an item of `{}` without an `id`", self.name())
                })?))
            }
        };
        row.values.clear();
        for (column, _) in self.columns() {
            let value = o
                .take(self, column)
                .ok_or_else(|| format!("no reader for the column `{column}`"))?;
            row.values.push(value);
        }
        row.raw = Cow::Borrowed(text);
        Ok(())
    }
}

fn json(j: Json<'_>) -> SqlValue<'_> {
    SqlValue::Json(j.0.map(Cow::Borrowed))
}

/// Only well-formed RFC 3339 times are typed; anything else stays in `raw` alone, so one odd value cannot
/// fail a whole resource type on the PostgreSQL cast.
fn time(t: Text<'_>) -> SqlValue<'_> {
    SqlValue::Time(t.0.filter(|s| looks_like_rfc3339(s)))
}

pub(crate) fn looks_like_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 20
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && (s.ends_with('Z') || s[19..].contains(['+', '-']))
        && s.bytes().all(|c| c.is_ascii_graphic())
}

/// Every field a resource type reads, by its JSON name; any other field is skipped without being copied,
/// and every field is lenient (see `lenient`). Which type reads which field is `Object::take`'s business.
#[derive(Default, Deserialize)]
#[serde(default, bound(deserialize = "'de: 'a"))]
struct Object<'a> {
    id: Id<'a>,
    name: Text<'a>,
    status: Text<'a>,
    region: Region<'a>,
    created_at: Text<'a>,
    tags: Json<'a>,
    // Droplets.
    size_slug: Text<'a>,
    vcpus: Int,
    memory: Int,
    disk: Int,
    image: Obj<SlugName<'a>>,
    networks: Obj<Networks<'a>>,
    vpc_uuid: Text<'a>,
    // Database clusters.
    engine: Text<'a>,
    version: Text<'a>,
    size: Text<'a>,
    num_nodes: Int,
    storage_size_mib: Int,
    private_network_uuid: Text<'a>,
    // Firewalls and load balancers.
    droplet_ids: Json<'a>,
    inbound_rules: Count,
    outbound_rules: Count,
    ip: Text<'a>,
    size_unit: Int,
    // VPCs and domains.
    urn: Text<'a>,
    description: Text<'a>,
    ip_range: Text<'a>,
    default: Flag,
    ttl: Int,
}

impl<'a> Object<'a> {
    /// The value of `column` (a name from `Resource::columns`) for `resource`, moved out of the object;
    /// `None` for a column nothing reads (a test keeps that from happening).
    fn take(&mut self, resource: Resource, column: &str) -> Option<SqlValue<'a>> {
        use std::mem::take;
        let text = |field: &mut Text<'a>| SqlValue::Text(take(&mut field.0));
        Some(match column {
            "name" => text(&mut self.name),
            "status" => text(&mut self.status),
            "size_slug" => text(&mut self.size_slug),
            "vpc_uuid" => text(&mut self.vpc_uuid),
            "engine" => text(&mut self.engine),
            "version" => text(&mut self.version),
            "size" => text(&mut self.size),
            "private_network_uuid" => text(&mut self.private_network_uuid),
            "ip" => text(&mut self.ip),
            "urn" => text(&mut self.urn),
            "description" => text(&mut self.description),
            "ip_range" => text(&mut self.ip_range),
            // A droplet's region is an object; a load balancer's is either; the others' a plain slug.
            "region" => {
                let (slug, plain) = take(&mut self.region.0);
                SqlValue::Text(match resource {
                    Resource::Droplets => slug,
                    Resource::LoadBalancers => slug.or(plain),
                    _ => plain,
                })
            }
            "image" => {
                let image = take(&mut self.image.0).unwrap_or_default();
                SqlValue::Text(image.slug.0.or(image.name.0))
            }
            "public_ipv4" => SqlValue::Text(self.networks.0.as_mut().and_then(|n| n.v4.0.0.take())),
            "private_ipv4" => {
                SqlValue::Text(self.networks.0.as_mut().and_then(|n| n.v4.0.1.take()))
            }
            "vcpus" => SqlValue::Int(self.vcpus.0),
            "memory_mb" => SqlValue::Int(self.memory.0),
            "disk_gb" => SqlValue::Int(self.disk.0),
            "num_nodes" => SqlValue::Int(self.num_nodes.0),
            "storage_size_mib" => SqlValue::Int(self.storage_size_mib.0),
            "size_unit" => SqlValue::Int(self.size_unit.0),
            "ttl" => SqlValue::Int(self.ttl.0),
            "inbound_rule_count" => SqlValue::Int(self.inbound_rules.0),
            "outbound_rule_count" => SqlValue::Int(self.outbound_rules.0),
            "is_default" => SqlValue::Bool(self.default.0),
            "tags" => json(take(&mut self.tags)),
            "droplet_ids" => json(take(&mut self.droplet_ids)),
            "created_at" => time(take(&mut self.created_at)),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests;
