//! Tag endpoints: creating a tag and putting it on droplets or taking it off.

use serde_json::{Value, json};

use super::client::Client;
use super::error::ProviderError;
use super::retry::RetryMode;
use super::url::encode;

impl Client {
    /// Creates `tag`, which must exist before droplets can carry it. The API does not say what creating an
    /// existing tag answers: a refusal other than auth or rate limiting is taken as "it exists" (tagging then
    /// says 404 if it does not). Idempotent, so retried like a read.
    pub fn create_tag(&self, tag: &str) -> Result<(), ProviderError> {
        match self.send(
            "POST",
            "/v2/tags",
            Some(&json!({ "name": tag })),
            RetryMode::Idempotent,
        ) {
            Ok(_)
            | Err(ProviderError::Api {
                status: 400 | 409 | 422,
                ..
            }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Adds an existing `tag` to the droplets, or takes it off them. Both are idempotent on the API side, so
    /// they are retried like reads.
    pub fn tag_droplets(&self, tag: &str, ids: &[u64], add: bool) -> Result<(), ProviderError> {
        let resources: Vec<Value> = ids
            .iter()
            .map(|id| json!({"resource_id": id.to_string(), "resource_type": "droplet"}))
            .collect();
        self.send(
            if add { "POST" } else { "DELETE" },
            &format!("/v2/tags/{}/resources", encode(tag)),
            Some(&json!({ "resources": resources })),
            RetryMode::Idempotent,
        )?;
        Ok(())
    }
}
