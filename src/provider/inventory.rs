//! The collections `ingest` copies, read page by page as raw JSON objects (the database keeps them whole).

use serde_json::Value;

use super::client::Client;
use super::error::ProviderError;
use super::retry::RetryMode;

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

impl Client {
    /// Hands every page of `collection` to `on_page` as it arrives (one "page" for an unpaginated one).
    /// Any failed page fails the whole listing.
    pub fn each_page<E>(
        &self,
        collection: Collection,
        mut on_page: impl FnMut(Vec<Value>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<ProviderError>,
    {
        if collection.paginated() {
            return self.list_pages(collection.path(), collection.key(), on_page);
        }
        let reply = self.send("GET", collection.path(), None, RetryMode::Idempotent)?;
        match reply.body.get(collection.key()) {
            Some(Value::Array(items)) => on_page(items.clone()),
            Some(Value::Null) | None => on_page(Vec::new()),
            Some(_) => Err(ProviderError::Decode {
                method: "GET".into(),
                path: collection.path().into(),
                message: format!("`{}` is not a list", collection.key()),
            }
            .into()),
        }
    }
}
