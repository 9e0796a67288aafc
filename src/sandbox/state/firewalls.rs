//! Cloud firewalls: create, full replace, the sub-resource edits, delete. A change leaves the firewall
//! `waiting` (with one pending change per droplet it covers) until the action time has passed, then
//! `settle` makes it `succeeded`. The documented limits (10 droplets, 5 tags, 50 rules, 1000 targets per
//! rule) and "tags must exist" are enforced here.

use serde_json::{Value, json};

use super::State;
use super::firewall_rules::{check_firewall_name, check_rule};
use super::net_requests::{FirewallPart, FirewallSpec, NetError, Rule, Targets};
use crate::sandbox::clock::iso8601;
use crate::sandbox::ids;

pub const MAX_DROPLETS: usize = 10;
pub const MAX_TAGS: usize = 5;
pub const MAX_RULES: usize = 50;

impl State {
    pub fn firewall(&self, id: &str) -> Option<&Value> {
        self.data.firewalls.iter().find(|f| f["id"] == id)
    }

    pub fn create_firewall(
        &mut self,
        spec: &FirewallSpec,
        now_ms: i64,
    ) -> Result<String, NetError> {
        self.check_firewall(spec)?;
        self.data.next_uuid += 1;
        let id = ids::uuid("firewall", self.data.next_uuid);
        let mut fw = json!({"id": id, "created_at": iso8601(now_ms)});
        self.write_firewall(&mut fw, spec, now_ms);
        self.data.firewalls.push(fw);
        Ok(id)
    }

    /// PUT: everything not in `spec` is reset (no droplets, no tags, no rules).
    pub fn replace_firewall(
        &mut self,
        id: &str,
        spec: &FirewallSpec,
        now_ms: i64,
    ) -> Result<(), NetError> {
        let mut fw = self.firewall(id).cloned().ok_or(NetError::NotFound)?;
        self.check_firewall(spec)?;
        self.write_firewall(&mut fw, spec, now_ms);
        self.put_firewall(fw);
        Ok(())
    }

    /// The `/droplets`, `/tags` and `/rules` sub-resources: adds (`add`) or removes the part.
    pub fn edit_firewall(
        &mut self,
        id: &str,
        part: &FirewallPart,
        add: bool,
        now_ms: i64,
    ) -> Result<(), NetError> {
        let fw = self.firewall(id).cloned().ok_or(NetError::NotFound)?;
        let mut spec = spec_of(&fw);
        fn edit<T: PartialEq + Clone>(list: &mut Vec<T>, items: &[T], add: bool) {
            for item in items {
                let has = list.contains(item);
                if add && !has {
                    list.push(item.clone());
                } else if !add {
                    list.retain(|x| x != item);
                }
            }
        }
        match part {
            FirewallPart::Droplets(d) => edit(&mut spec.droplet_ids, d, add),
            FirewallPart::Tags(t) => edit(&mut spec.tags, t, add),
            FirewallPart::Rules { inbound, outbound } => {
                edit(&mut spec.inbound, inbound, add);
                edit(&mut spec.outbound, outbound, add);
            }
        }
        self.check_firewall(&spec)?;
        let mut fw = fw;
        self.write_firewall(&mut fw, &spec, now_ms);
        self.put_firewall(fw);
        Ok(())
    }

    pub fn delete_firewall(&mut self, id: &str) -> bool {
        let before = self.data.firewalls.len();
        self.data.firewalls.retain(|f| f["id"] != id);
        self.data.firewall_due.remove(id);
        self.data.firewalls.len() != before
    }

    /// The firewalls that apply to a droplet: directly or through one of its tags.
    pub fn firewalls_of_droplet(&self, droplet_id: u64) -> Vec<Value> {
        let Some(d) = self.data.droplets.get(&droplet_id) else {
            return Vec::new();
        };
        (self.data.firewalls.iter())
            .filter(|f| {
                let spec = spec_of(f);
                spec.droplet_ids.contains(&droplet_id)
                    || spec.tags.iter().any(|t| d.tags.contains(t))
            })
            .cloned()
            .collect()
    }

    /// Firewalls whose change has had its time become `succeeded`.
    pub(super) fn settle_firewalls(&mut self, now_ms: i64) {
        let done: Vec<String> = (self.data.firewall_due.iter())
            .filter(|(_, due)| **due <= now_ms)
            .map(|(id, _)| id.clone())
            .collect();
        for id in done {
            self.data.firewall_due.remove(&id);
            if let Some(fw) = self
                .data
                .firewalls
                .iter_mut()
                .find(|f| f["id"] == id.as_str())
            {
                fw["status"] = json!("succeeded");
                fw["pending_changes"] = json!([]);
            }
        }
    }

    /// A deleted droplet leaves every firewall it was attached to.
    pub(super) fn detach_droplet_from_firewalls(&mut self, droplet_id: u64) {
        for fw in &mut self.data.firewalls {
            if let Some(ids) = fw["droplet_ids"].as_array_mut() {
                ids.retain(|x| x.as_u64() != Some(droplet_id));
            }
        }
    }

    fn put_firewall(&mut self, fw: Value) {
        if let Some(slot) = self.data.firewalls.iter_mut().find(|f| f["id"] == fw["id"]) {
            *slot = fw;
        }
    }

    /// Writes `spec` into the stored firewall and starts its `waiting` period.
    fn write_firewall(&mut self, fw: &mut Value, spec: &FirewallSpec, now_ms: i64) {
        let covered = self.covered_droplets(spec);
        let id = fw["id"].as_str().unwrap_or_default().to_string();
        fw["name"] = json!(spec.name);
        fw["status"] = json!("waiting");
        fw["inbound_rules"] = rules_json(&spec.inbound, "sources");
        fw["outbound_rules"] = rules_json(&spec.outbound, "destinations");
        fw["droplet_ids"] = json!(spec.droplet_ids);
        fw["tags"] = json!(spec.tags);
        fw["pending_changes"] = Value::Array(
            covered
                .iter()
                .map(|d| json!({"droplet_id": d, "removing": false, "status": "waiting"}))
                .collect(),
        );
        self.data
            .firewall_due
            .insert(id, now_ms + self.settings.action_ms.max(1));
    }

    /// The droplets a firewall applies to (direct and through tags), ascending.
    fn covered_droplets(&self, spec: &FirewallSpec) -> Vec<u64> {
        let mut ids: Vec<u64> = spec.droplet_ids.clone();
        for t in &spec.tags {
            ids.extend(self.droplet_ids_by_tag(t).into_iter().flatten());
        }
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    fn check_firewall(&self, spec: &FirewallSpec) -> Result<(), NetError> {
        check_firewall_name(&spec.name)?;
        let rules = spec.inbound.len() + spec.outbound.len();
        if rules == 0 {
            return Err(NetError::invalid(
                "a firewall must contain at least one inbound or outbound access rule",
            ));
        }
        if rules > MAX_RULES {
            return Err(NetError::invalid(format!(
                "a firewall may have at most {MAX_RULES} rules (inbound and outbound together); this one has {rules}"
            )));
        }
        if spec.droplet_ids.len() > MAX_DROPLETS {
            return Err(NetError::invalid(format!(
                "a firewall may be assigned at most {MAX_DROPLETS} droplets; tag them instead"
            )));
        }
        if spec.tags.len() > MAX_TAGS {
            return Err(NetError::invalid(format!(
                "a firewall may be assigned at most {MAX_TAGS} tags"
            )));
        }
        self.check_refs(&spec.droplet_ids, &spec.tags)?;
        for rule in spec.inbound.iter().chain(&spec.outbound) {
            check_rule(rule)?;
            self.check_refs(&rule.targets.droplet_ids, &rule.targets.tags)?;
        }
        Ok(())
    }

    fn check_refs(&self, droplets: &[u64], tags: &[String]) -> Result<(), NetError> {
        if let Some(t) = tags.iter().find(|t| !self.data.tags.contains(*t)) {
            return Err(NetError::invalid(format!(
                "tag {t:?} does not exist; tags must exist in order to be referenced"
            )));
        }
        if let Some(d) = droplets.iter().find(|d| !self.has_droplet(**d)) {
            return Err(NetError::invalid(format!("droplet {d} does not exist")));
        }
        Ok(())
    }
}

fn rules_json(rules: &[Rule], side: &str) -> Value {
    Value::Array(
        rules
            .iter()
            .map(|r| {
                let ports = if r.protocol == "icmp" {
                    "0"
                } else {
                    r.ports.as_str()
                };
                let mut map = serde_json::Map::new();
                map.insert("protocol".into(), json!(r.protocol));
                map.insert("ports".into(), json!(ports));
                map.insert(side.into(), targets_json(&r.targets));
                Value::Object(map)
            })
            .collect(),
    )
}

/// Only the kinds of target a rule names, as in the API's examples.
fn targets_json(t: &Targets) -> Value {
    let mut map = serde_json::Map::new();
    let mut put = |key: &str, v: Value, empty: bool| {
        if !empty {
            map.insert(key.into(), v);
        }
    };
    put("addresses", json!(t.addresses), t.addresses.is_empty());
    put(
        "droplet_ids",
        json!(t.droplet_ids),
        t.droplet_ids.is_empty(),
    );
    put(
        "load_balancer_uids",
        json!(t.load_balancer_uids),
        t.load_balancer_uids.is_empty(),
    );
    put(
        "kubernetes_ids",
        json!(t.kubernetes_ids),
        t.kubernetes_ids.is_empty(),
    );
    put("tags", json!(t.tags), t.tags.is_empty());
    Value::Object(map)
}

/// Reads a stored firewall back into a spec (the sub-resource edits start from it).
pub fn spec_of(fw: &Value) -> FirewallSpec {
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let numbers = |v: &Value| -> Vec<u64> {
        v.as_array()
            .map(|a| a.iter().filter_map(Value::as_u64).collect())
            .unwrap_or_default()
    };
    let rules = |v: &Value, side: &str| -> Vec<Rule> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|r| {
                        let t = &r[side];
                        Rule {
                            protocol: r["protocol"].as_str().unwrap_or_default().into(),
                            ports: r["ports"].as_str().unwrap_or("0").into(),
                            targets: Targets {
                                addresses: strings(&t["addresses"]),
                                droplet_ids: numbers(&t["droplet_ids"]),
                                load_balancer_uids: strings(&t["load_balancer_uids"]),
                                kubernetes_ids: strings(&t["kubernetes_ids"]),
                                tags: strings(&t["tags"]),
                            },
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    FirewallSpec {
        name: fw["name"].as_str().unwrap_or_default().into(),
        inbound: rules(&fw["inbound_rules"], "sources"),
        outbound: rules(&fw["outbound_rules"], "destinations"),
        droplet_ids: numbers(&fw["droplet_ids"]),
        tags: strings(&fw["tags"]),
    }
}
