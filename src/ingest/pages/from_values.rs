//! Where ingest's pages come from today: the provider client hands each page's items as parsed
//! `serde_json::Value`s (`Client::each_page`), so they are written back into page text here. This is the
//! one function to replace once the client can hand over each reply body unparsed (`Client::each_raw_page`,
//! docs/ingest.md "Code"): then the API's own bytes reach the table, and the client's parse, its copy of
//! each page's items and this re-serialisation disappear.

use serde_json::Value;

use super::{FetchError, Page};
use crate::provider::{Client, Collection, ProviderError};

/// Hands every page of `collection` to `on_page`, in order, as `{"<key>": [items...]}`.
pub(super) fn each_page(
    client: &Client,
    collection: Collection,
    on_page: &mut dyn FnMut(Page) -> Result<(), FetchError>,
) -> Result<(), FetchError> {
    client.each_page(collection, |items: Vec<Value>| {
        let text = || -> Result<String, String> {
            let mut body = format!("{{\"{}\":", collection.key()).into_bytes();
            serde_json::to_writer(&mut body, &items).map_err(|e| e.to_string())?;
            body.push(b'}');
            String::from_utf8(body).map_err(|e| e.to_string())
        };
        let body = text().map_err(|message| ProviderError::Decode {
            method: "GET".into(),
            path: collection.path().into(),
            message: format!("writing a page back as text: {message}"),
        })?;
        on_page(Page { body })
    })
}
