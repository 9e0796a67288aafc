//! What the account offers: regions, sizes, images, SSH keys and the account itself.

use std::collections::{BTreeMap, BTreeSet};

use super::client::Client;
use super::error::ProviderError;
use super::models::{Image, Region, Size, SshKey};
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

/// The result of a scoped thread; a panic in it is passed on as it was.
pub(crate) fn join<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

impl Client {
    /// Regions, sizes, SSH keys and each distinct image of `images` (by slug or id).
    pub fn catalog<'a>(
        &self,
        images: impl IntoIterator<Item = &'a str>,
    ) -> Result<Catalog, ProviderError> {
        let wanted: Vec<&str> = images
            .into_iter()
            .collect::<BTreeSet<&str>>()
            .into_iter()
            .collect();
        // Independent lookups: all at once, within the request budget.
        let (regions, sizes, ssh_keys, images) = std::thread::scope(|s| {
            let regions = s.spawn(|| self.list_all::<Region>("/v2/regions", "regions"));
            let sizes = s.spawn(|| self.sizes());
            let ssh_keys = s.spawn(|| self.ssh_keys());
            let images = self.each_parallel(&wanted, |image| self.image(image));
            (join(regions), join(sizes), join(ssh_keys), images)
        });
        let mut found = BTreeMap::new();
        for (image, result) in wanted.iter().zip(images) {
            found.insert(image.to_string(), result?);
        }
        Ok(Catalog {
            regions: regions?,
            sizes: sizes?,
            images: found,
            ssh_keys: ssh_keys?,
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
}
