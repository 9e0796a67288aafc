//! The typed requests of the networking endpoints (firewalls, domain records, projects, reserved IPs) and
//! the one refusal type they share. `api/` reads bodies into these and turns `NetError` into HTTP.

/// A firewall as a create or a full replace (PUT) gives it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FirewallSpec {
    pub name: String,
    pub inbound: Vec<Rule>,
    pub outbound: Vec<Rule>,
    pub droplet_ids: Vec<u64>,
    pub tags: Vec<String>,
}

/// One firewall rule; `targets` are the sources of an inbound rule, the destinations of an outbound one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Rule {
    pub protocol: String,
    /// As sent: `"80"`, `"8000-9000"` or `"0"` (all); ICMP rules are stored with `"0"`.
    pub ports: String,
    pub targets: Targets,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Targets {
    pub addresses: Vec<String>,
    pub droplet_ids: Vec<u64>,
    pub load_balancer_uids: Vec<String>,
    pub kubernetes_ids: Vec<String>,
    pub tags: Vec<String>,
}

impl Targets {
    pub fn len(&self) -> usize {
        self.addresses.len()
            + self.droplet_ids.len()
            + self.load_balancer_uids.len()
            + self.kubernetes_ids.len()
            + self.tags.len()
    }
}

/// What a sub-resource call (`/droplets`, `/tags`, `/rules`) adds to or removes from a firewall.
#[derive(Debug, Clone, PartialEq)]
pub enum FirewallPart {
    Droplets(Vec<u64>),
    Tags(Vec<String>),
    Rules {
        inbound: Vec<Rule>,
        outbound: Vec<Rule>,
    },
}

/// A DNS record as a create, PUT or PATCH gives it (PATCH: only the fields present).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecordSpec {
    pub kind: Option<String>,
    pub name: Option<String>,
    pub data: Option<String>,
    pub ttl: Option<u64>,
    pub priority: Option<u64>,
    pub port: Option<u64>,
    pub weight: Option<u64>,
    pub flags: Option<u64>,
    pub tag: Option<String>,
}

/// A project's fields as a create or an update gives them (None: unchanged, or the default on create).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProjectSpec {
    pub name: Option<String>,
    pub description: Option<String>,
    pub purpose: Option<String>,
    pub environment: Option<String>,
    pub is_default: Option<bool>,
}

/// A reserved-IP action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpAction {
    Assign { droplet_id: u64 },
    Unassign,
}

/// Why the state refused a networking request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error("not found")]
    NotFound,
    /// The body breaks a rule of the API (422).
    #[error("{0}")]
    Invalid(String),
    /// The name is taken (409).
    #[error("{0}")]
    Conflict(String),
    /// A project with resources cannot be deleted (412).
    #[error("{0}")]
    Precondition(String),
}

impl NetError {
    pub fn invalid(message: impl Into<String>) -> NetError {
        NetError::Invalid(message.into())
    }
}
