//! Domains and their DNS records: whether a domain exists, one listing of its records, and creating,
//! changing (PUT) and deleting a record. Record names are relative to the domain (`@` is the apex).

use serde::{Deserialize, Serialize};

use super::client::Client;
use super::error::ProviderError;
use super::firewalls::to_body;
use super::reply::decode;
use super::retry::RetryMode;
use super::url::encode;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct DomainRecord {
    pub id: u64,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub data: String,
    #[serde(default)]
    pub ttl: Option<u64>,
}

/// An A or AAAA record to create, or the whole of one to PUT.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordRequest {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub data: String,
    pub ttl: u64,
}

impl Client {
    /// Whether `domain` is in the account.
    pub fn domain_exists(&self, domain: &str) -> Result<bool, ProviderError> {
        let path = format!("/v2/domains/{}", encode(domain));
        match self.send("GET", &path, None, RetryMode::Idempotent) {
            Ok(_) => Ok(true),
            Err(ProviderError::Api { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Every record of `domain`, every page (one listing, whatever the number of hosts).
    pub fn domain_records(&self, domain: &str) -> Result<Vec<DomainRecord>, ProviderError> {
        self.list_all(
            &format!("/v2/domains/{}/records", encode(domain)),
            "domain_records",
        )
    }

    /// Creates a record. Sent once (only a 429 is retried): after an ambiguous failure the caller lists
    /// the records before sending again.
    pub fn create_record(
        &self,
        domain: &str,
        record: &RecordRequest,
    ) -> Result<DomainRecord, ProviderError> {
        let path = format!("/v2/domains/{}/records", encode(domain));
        let reply = self.post(&path, &to_body(record, "POST", &path)?)?;
        decode(&reply.body, "domain_record", "POST", &path)
    }

    /// Sets every field of record `id`. Idempotent, so retried like a read.
    pub fn update_record(
        &self,
        domain: &str,
        id: u64,
        record: &RecordRequest,
    ) -> Result<DomainRecord, ProviderError> {
        let path = format!("/v2/domains/{}/records/{id}", encode(domain));
        let body = to_body(record, "PUT", &path)?;
        let reply = self.send("PUT", &path, Some(&body), RetryMode::Idempotent)?;
        decode(&reply.body, "domain_record", "PUT", &path)
    }

    /// Deletes record `id`; false when it was already gone.
    pub fn delete_record(&self, domain: &str, id: u64) -> Result<bool, ProviderError> {
        self.delete(&format!("/v2/domains/{}/records/{id}", encode(domain)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::models::spec_example;

    #[test]
    fn the_spec_examples_decode() {
        let listed: Vec<DomainRecord> = serde_json::from_value(
            spec_example("domain_records_list.json")["domain_records"].clone(),
        )
        .unwrap();
        assert!(listed.iter().any(|r| r.kind == "NS"));
        let created: DomainRecord = serde_json::from_value(
            spec_example("domain_records_create_response.json")["domain_record"].clone(),
        )
        .unwrap();
        assert_eq!((created.kind.as_str(), created.name.as_str()), ("A", "www"));
    }
}
