//! What the account offers: regions, sizes, images, SSH keys and the account itself.

use std::collections::{BTreeMap, BTreeSet};

use super::client::Client;
use super::error::ProviderError;
use super::models::{Account, Image, Region, Size, SshKey};
use super::url::encode;

/// What the API says exists, fetched once per plan.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    pub regions: Vec<Region>,
    pub sizes: Vec<Size>,
    /// Each distinct image asked for, `None` when the API does not know it.
    pub images: BTreeMap<String, Option<Image>>,
    pub ssh_keys: Vec<SshKey>,
}

impl Catalog {
    /// Monthly price per size slug, in USD.
    pub fn prices(&self) -> BTreeMap<String, f64> {
        self.sizes
            .iter()
            .map(|s| (s.slug.clone(), s.price_monthly))
            .collect()
    }
}

impl Client {
    /// Regions, sizes, SSH keys and each distinct image of `images` (by slug or id).
    pub fn catalog<'a>(
        &self,
        images: impl IntoIterator<Item = &'a str>,
    ) -> Result<Catalog, ProviderError> {
        let regions = self.list_all("/v2/regions", "regions")?;
        let sizes = self.sizes()?;
        let ssh_keys = self.ssh_keys()?;
        let mut found = BTreeMap::new();
        let wanted: BTreeSet<&str> = images.into_iter().collect();
        for image in wanted {
            found.insert(image.to_string(), self.image(image)?);
        }
        Ok(Catalog {
            regions,
            sizes,
            images: found,
            ssh_keys,
        })
    }

    /// Every size, with its monthly price.
    pub fn sizes(&self) -> Result<Vec<Size>, ProviderError> {
        self.list_all("/v2/sizes", "sizes")
    }

    /// One image by slug or id; `None` when the API does not know it (404).
    pub fn image(&self, slug_or_id: &str) -> Result<Option<Image>, ProviderError> {
        match self.get::<Image>(&format!("/v2/images/{}", encode(slug_or_id)), "image") {
            Ok(found) => Ok(Some(found)),
            Err(ProviderError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The account's SSH keys.
    pub fn ssh_keys(&self) -> Result<Vec<SshKey>, ProviderError> {
        self.list_all("/v2/account/keys", "ssh_keys")
    }

    /// The account the token belongs to.
    pub fn account(&self) -> Result<Account, ProviderError> {
        self.get("/v2/account", "account")
    }
}
