//! Reserved IPs: held in a region, assigned to at most one droplet of that region. Assign and unassign
//! are actions (`assign_ip`, `unassign_ip`): the address is `locked` until the action completes, and
//! only then does it point at the new droplet. Deleting a droplet leaves its address held, unassigned.

use std::net::Ipv4Addr;

use serde_json::{Value, json};

use super::State;
use super::droplets::NewAction;
use super::net_requests::{IpAction, NetError};
use crate::sandbox::catalogue;
use crate::sandbox::model::STATUS_NEW;

/// The account's reserved-IP quota (`floating_ip_limit`).
pub const MAX_RESERVED_IPS: usize = 5_000;

impl State {
    pub fn reserved_ip(&self, ip: &str) -> Option<&Value> {
        self.data.reserved_ips.iter().find(|r| r["ip"] == ip)
    }

    fn reserved_ip_mut(&mut self, ip: &str) -> Option<&mut Value> {
        self.data.reserved_ips.iter_mut().find(|r| r["ip"] == ip)
    }

    /// The droplet an address points at now.
    pub fn reserved_ip_droplet(&self, ip: &Value) -> Option<u64> {
        ip["droplet"]["id"].as_u64()
    }

    /// Holds a new address in `region`, or in the droplet's region and assigned to it.
    pub fn create_reserved_ip(
        &mut self,
        region: Option<&str>,
        droplet_id: Option<u64>,
        now_ms: i64,
    ) -> Result<(String, Option<u64>), NetError> {
        if self.data.reserved_ips.len() >= MAX_RESERVED_IPS {
            return Err(NetError::invalid(
                "the account's reserved IP limit is reached",
            ));
        }
        let region = match (droplet_id, region) {
            (Some(d), _) => (self.data.droplets.get(&d).ok_or(NetError::NotFound)?)
                .region
                .clone(),
            (None, Some(r)) => r.to_string(),
            (None, None) => {
                return Err(NetError::invalid("either droplet_id or region is required"));
            }
        };
        // From 198.18.0.0/15, the benchmarking range no droplet address comes from.
        let ip = (0u32..125_000)
            .map(|k| {
                let (hi, lo) = (k / 250, k % 250);
                Ipv4Addr::new(198, 18 + (hi / 250) as u8, (hi % 250) as u8, 1 + lo as u8)
            })
            .map(|ip| ip.to_string())
            .find(|ip| self.reserved_ip(ip).is_none())
            .ok_or_else(|| NetError::invalid("the sandbox's address pool is exhausted"))?;
        self.hold_reserved_ip(&ip, &region)?;
        let action = match droplet_id {
            Some(d) => {
                Some(self.reserved_ip_action(&ip, IpAction::Assign { droplet_id: d }, now_ms)?)
            }
            None => None,
        };
        Ok((ip, action))
    }

    /// Holds `ip` in `region`, unassigned (the seed control and `create` use it).
    pub fn hold_reserved_ip(&mut self, ip: &str, region: &str) -> Result<(), NetError> {
        let r = catalogue::region(region)
            .filter(|r| r.available)
            .ok_or_else(|| {
                NetError::invalid(format!("region {region:?} is unknown or unavailable"))
            })?;
        if ip.parse::<Ipv4Addr>().is_err() {
            return Err(NetError::invalid(format!("{ip:?} is not an IPv4 address")));
        }
        if self.reserved_ip(ip).is_some() {
            return Err(NetError::invalid(format!("{ip} is already reserved")));
        }
        self.data.reserved_ips.push(json!({
            "ip": ip,
            "region": r.to_json(),
            "droplet": null,
            "locked": false,
        }));
        Ok(())
    }

    pub fn delete_reserved_ip(&mut self, ip: &str) -> Result<(), NetError> {
        let r = self.reserved_ip(ip).ok_or(NetError::NotFound)?;
        if r["locked"] == true {
            return Err(NetError::invalid(
                "the reserved IP has an action in progress",
            ));
        }
        self.data.reserved_ips.retain(|r| r["ip"] != ip);
        self.data.project_of.remove(&format!("do:floatingip:{ip}"));
        Ok(())
    }

    /// Starts an assign or unassign; the address is locked until it completes. Returns the action id.
    pub fn reserved_ip_action(
        &mut self,
        ip: &str,
        action: IpAction,
        now_ms: i64,
    ) -> Result<u64, NetError> {
        let r = self.reserved_ip(ip).ok_or(NetError::NotFound)?;
        if r["locked"] == true {
            return Err(NetError::invalid(
                "the reserved IP has an action in progress; try again when it completes",
            ));
        }
        let region = r["region"]["slug"].as_str().unwrap_or_default().to_string();
        let (kind, params) = match action {
            IpAction::Assign { droplet_id } => {
                let d = self.data.droplets.get(&droplet_id).ok_or_else(|| {
                    NetError::invalid(format!("droplet {droplet_id} does not exist"))
                })?;
                if d.region != region {
                    return Err(NetError::invalid(format!(
                        "the reserved IP is in {region}; droplet {droplet_id} is in {}",
                        d.region
                    )));
                }
                if d.status == STATUS_NEW {
                    return Err(NetError::invalid(format!(
                        "droplet {droplet_id} has not finished booting"
                    )));
                }
                let other = (self.data.reserved_ips.iter())
                    .find(|x| x["ip"] != ip && self.reserved_ip_droplet(x) == Some(droplet_id));
                if let Some(other) = other {
                    return Err(NetError::invalid(format!(
                        "droplet {droplet_id} already has the reserved IP {}",
                        other["ip"].as_str().unwrap_or_default()
                    )));
                }
                ("assign_ip", json!({"ip": ip, "droplet_id": droplet_id}))
            }
            IpAction::Unassign => {
                if self.reserved_ip_droplet(r).is_none() {
                    return Err(NetError::invalid("the reserved IP is not assigned"));
                }
                ("unassign_ip", json!({"ip": ip}))
            }
        };
        let resource_id = ip.parse::<Ipv4Addr>().map(u32::from).unwrap_or(0) as u64;
        let id = self.new_action(
            NewAction {
                kind,
                resource_id,
                region: &region,
                now_ms,
                due_ms: now_ms + self.settings.action_ms,
                params,
            },
            false,
        );
        if let Some(r) = self.reserved_ip_mut(ip) {
            r["locked"] = json!(true);
        }
        Ok(id)
    }

    /// Completes a reserved-IP action; false when `kind` is not one.
    pub(super) fn complete_ip_action(&mut self, kind: &str, params: &Value) -> bool {
        let ip = params["ip"].as_str().unwrap_or_default().to_string();
        let target = match kind {
            "assign_ip" => params["droplet_id"].as_u64(),
            "unassign_ip" => None,
            _ => return false,
        };
        // The droplet may have gone while the action ran: then the address stays unassigned.
        let target = target.filter(|d| self.has_droplet(*d));
        if let Some(r) = self.reserved_ip_mut(&ip) {
            r["locked"] = json!(false);
            r["droplet"] = match target {
                Some(d) => json!({"id": d}),
                None => Value::Null,
            };
        }
        true
    }

    /// A deleted droplet's address stays held, pointing at nothing.
    pub(super) fn release_droplet_ips(&mut self, droplet_id: u64) {
        for r in &mut self.data.reserved_ips {
            if r["droplet"]["id"].as_u64() == Some(droplet_id) {
                r["droplet"] = Value::Null;
            }
        }
    }
}
