//! Paginated listings: every page in order, the `next` link or `meta.total` followed, and never a
//! partial result.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::client::{Client, PER_PAGE};
use super::error::ProviderError;
use super::retry::RetryMode;

// Past this many pages a listing is surely looping on a broken `next` link.
pub(super) const MAX_PAGES: usize = 100_000;

impl Client {
    /// Every item of a paginated collection, as typed values.
    pub fn list_all<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
    ) -> Result<Vec<T>, ProviderError> {
        let mut all = Vec::new();
        self.list_pages(path, key, |items| {
            for item in items {
                all.push(decode_item(item, path, key)?);
            }
            Ok(())
        })?;
        Ok(all)
    }

    /// Walks every page of `path` (`per_page=200`), handing each page's `key` items to `on_page` as it
    /// arrives. Any failed page fails the whole listing: a partial listing must never be acted on.
    pub fn list_pages<E>(
        &self,
        path: &str,
        key: &str,
        mut on_page: impl FnMut(Vec<Value>) -> Result<(), E>,
    ) -> Result<(), E>
    where
        E: From<ProviderError>,
    {
        let mut next = Some(with_query(path, &format!("per_page={PER_PAGE}")));
        let mut page = 0usize;
        let mut seen = 0u64;
        let mut requested = std::collections::HashSet::new();
        while let Some(current) = next.take() {
            if !requested.insert(current.clone()) {
                return Err(ProviderError::Decode {
                    method: "GET".into(),
                    path: current,
                    message: "the `next` page link points back to a page already read".into(),
                }
                .into());
            }
            page += 1;
            let reply = self
                .send("GET", &current, None, RetryMode::Idempotent)
                .map_err(|e| ProviderError::PartialListing {
                    path: path.to_string(),
                    page,
                    source: Box::new(e),
                })?;
            let items = items_of(&reply.body, key, &current)?;
            seen += items.len() as u64;
            let count = items.len();
            on_page(items)?;
            next = next_page(&reply.body, &current, page, count, seen);
            // The first page says how many there are: the rest go out together, a wave of at most the
            // in-flight limit at a time, and are handed on in page order.
            let total = reply.body.pointer("/meta/total").and_then(Value::as_u64);
            if page == 1
                && next.is_some()
                && self.max_in_flight() > 1
                && let Some(total) = total.filter(|t| *t > seen && count > 0)
            {
                let pages = total.div_ceil(count as u64) as usize;
                let numbers: Vec<usize> = (2..=pages.min(MAX_PAGES)).collect();
                for wave in numbers.chunks(self.max_in_flight()) {
                    let replies = self.each_parallel(wave, |n| {
                        let url = set_query_param(&current, "page", &n.to_string());
                        self.send("GET", &url, None, RetryMode::Idempotent)
                            .map(|reply| (url, reply))
                            .map_err(|e| ProviderError::PartialListing {
                                path: path.to_string(),
                                page: *n,
                                source: Box::new(e),
                            })
                    });
                    for (n, result) in wave.iter().zip(replies) {
                        let (url, reply) = result?;
                        requested.insert(url.clone());
                        let items = items_of(&reply.body, key, &url)?;
                        page = *n;
                        seen += items.len() as u64;
                        let count = items.len();
                        on_page(items)?;
                        next = next_page(&reply.body, &url, page, count, seen);
                    }
                }
                // Items added while listing can spill onto one more page: the usual links take over.
                next = next.filter(|n| !requested.contains(n));
            }
            if page >= MAX_PAGES && next.is_some() {
                return Err(ProviderError::Decode {
                    method: "GET".into(),
                    path: path.to_string(),
                    message: format!("more than {MAX_PAGES} pages"),
                }
                .into());
            }
        }
        Ok(())
    }
}

/// One item of a listing, as a typed value.
pub(crate) fn decode_item<T: DeserializeOwned>(
    item: Value,
    path: &str,
    key: &str,
) -> Result<T, ProviderError> {
    serde_json::from_value(item).map_err(|e| ProviderError::Decode {
        method: "GET".into(),
        path: path.to_string(),
        message: format!("an item of `{key}`: {e}"),
    })
}

/// The `key` list of one page.
fn items_of(body: &Value, key: &str, url: &str) -> Result<Vec<Value>, ProviderError> {
    match body.get(key) {
        Some(Value::Array(items)) => Ok(items.clone()),
        Some(Value::Null) | None => Ok(Vec::new()),
        Some(_) => Err(ProviderError::Decode {
            method: "GET".into(),
            path: url.to_string(),
            message: format!("`{key}` is not a list"),
        }),
    }
}

/// The path+query of the next page: `links.pages.next` when given (every key of `links` is optional in
/// the spec), else the following page number while `meta.total` says items are missing.
fn next_page(body: &Value, current: &str, page: usize, count: usize, seen: u64) -> Option<String> {
    if let Some(next) = body.pointer("/links/pages/next").and_then(Value::as_str) {
        // Only the path and query are kept: the token goes to the configured host and no other.
        return Some(path_and_query(next));
    }
    let total = body.pointer("/meta/total").and_then(Value::as_u64)?;
    if count == 0 || seen >= total {
        return None;
    }
    Some(set_query_param(current, "page", &(page + 1).to_string()))
}

pub(super) fn path_and_query(url: &str) -> String {
    match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            rest.find('/')
                .map(|j| rest[j..].to_string())
                .unwrap_or_else(|| "/".into())
        }
        None => url.to_string(),
    }
}

pub(super) fn with_query(path: &str, param: &str) -> String {
    if path.contains('?') {
        format!("{path}&{param}")
    } else {
        format!("{path}?{param}")
    }
}

pub(super) fn set_query_param(path: &str, key: &str, value: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut parts: Vec<String> = query
        .split('&')
        .filter(|p| !p.is_empty() && p.split('=').next() != Some(key))
        .map(str::to_string)
        .collect();
    parts.push(format!("{key}={value}"));
    format!("{base}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_page_handles_every_links_variant() {
        let cur = "/v2/droplets?tag_name=a&per_page=200";
        let v = |s: &str| serde_json::from_str::<Value>(s).unwrap();
        assert_eq!(next_page(&v(r#"{"links":{}}"#), cur, 1, 3, 3), None);
        assert_eq!(
            next_page(
                &v(r#"{"links":{"pages":{}},"meta":{"total":3}}"#),
                cur,
                1,
                3,
                3
            ),
            None
        );
        assert_eq!(next_page(&v(r#"{}"#), cur, 1, 3, 3), None);
        assert_eq!(
            next_page(
                &v(
                    r#"{"links":{"pages":{"next":"https://api.digitalocean.com/v2/droplets?page=2&per_page=200","last":"x"}}}"#
                ),
                cur,
                1,
                200,
                200
            ),
            Some("/v2/droplets?page=2&per_page=200".to_string())
        );
        // No links at all but meta says more: ask for the next page number.
        assert_eq!(
            next_page(&v(r#"{"meta":{"total":250}}"#), cur, 1, 200, 200),
            Some("/v2/droplets?tag_name=a&per_page=200&page=2".to_string())
        );
    }
}
