//! The collections `ingest` copies (read as the API's text by `listings`: the database keeps each object
//! as it was sent).

/// One account-wide collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Collection {
    Droplets,
    Databases,
    Firewalls,
    Vpcs,
    LoadBalancers,
    Domains,
}

impl Collection {
    /// The collection's path.
    pub fn path(self) -> &'static str {
        match self {
            Collection::Droplets => "/v2/droplets",
            Collection::Databases => "/v2/databases",
            Collection::Firewalls => "/v2/firewalls",
            Collection::Vpcs => "/v2/vpcs",
            Collection::LoadBalancers => "/v2/load_balancers",
            Collection::Domains => "/v2/domains",
        }
    }

    /// The list's key in the reply body.
    pub fn key(self) -> &'static str {
        match self {
            Collection::Droplets => "droplets",
            Collection::Databases => "databases",
            Collection::Firewalls => "firewalls",
            Collection::Vpcs => "vpcs",
            Collection::LoadBalancers => "load_balancers",
            Collection::Domains => "domains",
        }
    }

    /// The database list takes no page parameters and has no links: it comes whole, in one reply.
    pub fn paginated(self) -> bool {
        self != Collection::Databases
    }
}
