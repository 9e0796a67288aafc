//! Projects: the default project every account has, created ones (names unique), and the resources
//! assigned to each. A resource is in exactly one project: the one it was last assigned to, else the
//! default project (where new droplets, domains and reserved IPs land).

use serde_json::{Value, json};

use super::State;
use super::net_requests::{NetError, ProjectSpec};
use crate::sandbox::clock::iso8601;
use crate::sandbox::ids;
use crate::sandbox::model::Assignment;
use crate::sandbox::seed::owner_uuid;

pub const PURPOSES: [&str; 9] = [
    "Just trying out DigitalOcean",
    "Class project / Educational purposes",
    "Website or blog",
    "Web Application",
    "Service or API",
    "Mobile Application",
    "Machine learning / AI / Data processing",
    "IoT",
    "Operational / Developer tooling",
];
const ENVIRONMENTS: [&str; 3] = ["Development", "Staging", "Production"];

impl State {
    /// A project by id, or the default project for `default`.
    pub fn project(&self, id: &str) -> Option<&Value> {
        if id == "default" {
            return self.data.projects.iter().find(|p| p["is_default"] == true);
        }
        self.data.projects.iter().find(|p| p["id"] == id)
    }

    fn default_project_id(&self) -> String {
        self.project("default")
            .and_then(|p| p["id"].as_str())
            .unwrap_or_default()
            .to_string()
    }

    pub fn create_project(&mut self, spec: &ProjectSpec, now_ms: i64) -> Result<Value, NetError> {
        let name = spec.name.clone().unwrap_or_default();
        let purpose = spec.purpose.clone().unwrap_or_default();
        if name.trim().is_empty() || purpose.trim().is_empty() {
            return Err(NetError::invalid("name and purpose are required"));
        }
        self.data.next_uuid += 1;
        let id = ids::uuid("project", self.data.next_uuid);
        let mut p = json!({
            "id": id,
            "owner_uuid": owner_uuid(),
            "owner_id": 258992,
            "name": "",
            "description": "",
            "purpose": "",
            "environment": null,
            "is_default": false,
            "created_at": iso8601(now_ms),
            "updated_at": iso8601(now_ms),
        });
        self.write_project(&mut p, spec, now_ms)?;
        self.data.projects.push(p.clone());
        Ok(p)
    }

    /// PUT (every field given) and PATCH (some): the fields given replace the project's.
    pub fn update_project(
        &mut self,
        id: &str,
        spec: &ProjectSpec,
        now_ms: i64,
    ) -> Result<Value, NetError> {
        let mut p = self.project(id).cloned().ok_or(NetError::NotFound)?;
        self.write_project(&mut p, spec, now_ms)?;
        if spec.is_default == Some(true) {
            for other in &mut self.data.projects {
                other["is_default"] = json!(false);
            }
        }
        let pid = p["id"].clone();
        if let Some(slot) = self.data.projects.iter_mut().find(|x| x["id"] == pid) {
            *slot = p.clone();
        }
        Ok(p)
    }

    pub fn delete_project(&mut self, id: &str) -> Result<(), NetError> {
        let p = self.project(id).ok_or(NetError::NotFound)?;
        if p["is_default"] == true {
            return Err(NetError::invalid("the default project cannot be deleted"));
        }
        let pid = p["id"].as_str().unwrap_or_default().to_string();
        if !self.project_resources(&pid).is_empty() {
            return Err(NetError::Precondition(
                "cannot delete a project with resources. move or remove the resources first".into(),
            ));
        }
        self.data.projects.retain(|x| x["id"] != pid.as_str());
        Ok(())
    }

    /// Moves each resource to the project; `status` per URN as the API reports it.
    pub fn assign_resources(
        &mut self,
        id: &str,
        urns: &[String],
        now_ms: i64,
    ) -> Result<Vec<(String, i64, &'static str)>, NetError> {
        let pid = (self.project(id).ok_or(NetError::NotFound)?)["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let mut out = Vec::new();
        for urn in urns {
            let urn = canonical_urn(urn).ok_or_else(|| {
                NetError::invalid(format!("{urn:?} is not a resource URN (do:<type>:<id>)"))
            })?;
            if !self.urn_exists(&urn) {
                out.push((urn, now_ms, "not_found"));
                continue;
            }
            self.data.project_of.insert(
                urn.clone(),
                Assignment {
                    project: pid.clone(),
                    at_ms: now_ms,
                },
            );
            out.push((urn, now_ms, "ok"));
        }
        Ok(out)
    }

    /// The URNs in a project (with when they were assigned), sorted.
    pub fn project_resources(&self, project_id: &str) -> Vec<(String, i64)> {
        let default = self.default_project_id();
        let mut out = Vec::new();
        for urn in self.all_urns() {
            let (pid, at) = match self.data.project_of.get(&urn) {
                Some(a) => (a.project.clone(), a.at_ms),
                None => (default.clone(), 0),
            };
            if pid == project_id {
                out.push((urn, at));
            }
        }
        out
    }

    /// The id of the project a resource is in.
    pub fn project_of(&self, urn: &str) -> String {
        self.data
            .project_of
            .get(urn)
            .map(|a| a.project.clone())
            .unwrap_or_else(|| self.default_project_id())
    }

    fn all_urns(&self) -> Vec<String> {
        let mut urns: Vec<String> = (self.data.droplets.keys())
            .map(|id| format!("do:droplet:{id}"))
            .collect();
        urns.extend(
            self.data
                .domains
                .iter()
                .map(|d| format!("do:domain:{}", d.name)),
        );
        urns.extend(
            (self.data.reserved_ips.iter())
                .filter_map(|r| r["ip"].as_str())
                .map(|ip| format!("do:floatingip:{ip}")),
        );
        urns.sort();
        urns
    }

    fn urn_exists(&self, urn: &str) -> bool {
        let Some(rest) = urn.strip_prefix("do:") else {
            return false;
        };
        match rest.split_once(':') {
            Some(("droplet", id)) => id.parse().is_ok_and(|id| self.has_droplet(id)),
            Some(("domain", name)) => self.domain(name).is_some(),
            Some(("floatingip", ip)) => self.reserved_ip(ip).is_some(),
            _ => false,
        }
    }

    fn write_project(
        &self,
        p: &mut Value,
        spec: &ProjectSpec,
        now_ms: i64,
    ) -> Result<(), NetError> {
        if let Some(name) = &spec.name {
            if name.trim().is_empty() || name.chars().count() > 175 {
                return Err(NetError::invalid("name must be 1 to 175 characters"));
            }
            let taken = (self.data.projects.iter())
                .any(|x| x["id"] != p["id"] && x["name"].as_str() == Some(name.as_str()));
            if taken {
                return Err(NetError::Conflict(format!(
                    "a project named {name:?} already exists"
                )));
            }
            p["name"] = json!(name);
        }
        if let Some(purpose) = &spec.purpose {
            if purpose.chars().count() > 255 {
                return Err(NetError::invalid("purpose must be at most 255 characters"));
            }
            let stored = if PURPOSES.contains(&purpose.as_str()) || purpose.starts_with("Other: ") {
                purpose.clone()
            } else {
                format!("Other: {purpose}")
            };
            p["purpose"] = json!(stored);
        }
        if let Some(d) = &spec.description {
            if d.chars().count() > 255 {
                return Err(NetError::invalid(
                    "description must be at most 255 characters",
                ));
            }
            p["description"] = json!(d);
        }
        if let Some(e) = &spec.environment {
            if !ENVIRONMENTS.contains(&e.as_str()) {
                return Err(NetError::invalid(format!(
                    "environment {e:?} is invalid: {}",
                    ENVIRONMENTS.join(", ")
                )));
            }
            p["environment"] = json!(e);
        }
        if let Some(d) = spec.is_default {
            p["is_default"] = json!(d);
        }
        p["updated_at"] = json!(iso8601(now_ms));
        Ok(())
    }
}

/// `do:<type>:<id>` with a known type; `do:reservedip:` is accepted and stored as `do:floatingip:`, as
/// the API lists it.
pub fn canonical_urn(urn: &str) -> Option<String> {
    let rest = urn.strip_prefix("do:")?;
    let (kind, id) = rest.split_once(':')?;
    let kind = match kind {
        "reservedip" => "floatingip",
        "dbaas" | "domain" | "droplet" | "floatingip" | "loadbalancer" | "space" | "volume"
        | "kubernetes" | "vpc" => kind,
        _ => return None,
    };
    (!id.is_empty()).then(|| format!("do:{kind}:{id}"))
}
