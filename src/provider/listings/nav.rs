//! What a page of a listing says about the pages after it (`links.pages.next`, `meta.total`, how many
//! items it holds), skimmed from its text without building its items.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

use super::super::pages::path_and_query;

/// The navigation of one page.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Nav {
    /// `links.pages.next`, as a path and query: the token goes to the configured host and no other.
    pub next: Option<String>,
    /// `meta.total`: the items of the whole listing.
    pub total: Option<u64>,
    /// The items on this page.
    pub count: usize,
}

/// Reads the navigation of a page whose items are under `key` (every key of `links` and `meta` is
/// optional in the spec; a missing or `null` list holds no items).
pub(super) fn skim(text: &str, key: &str) -> Result<Nav, String> {
    read_whole(text, NavOf { key })
        .map_err(|e| format!("the reply could not be read as a page of `{key}`: {e}"))
}

/// Reads all of `text` (nothing but whitespace after the value) with `seed`: a page read by a visitor
/// of its own, as here and in ingest's reading of the items.
pub fn read_whole<'de, S: DeserializeSeed<'de>>(
    text: &'de str,
    seed: S,
) -> Result<S::Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = seed.deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

struct NavOf<'k> {
    key: &'k str,
}

impl<'de> DeserializeSeed<'de> for NavOf<'_> {
    type Value = Nav;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Nav, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for NavOf<'_> {
    type Value = Nav;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object with a `{}` list", self.key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Nav, A::Error> {
        let mut nav = Nav::default();
        while let Some(name) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*name {
                k if k == self.key => nav.count = map.next_value::<Count>()?.0,
                // Both are a few keys: building them costs nothing next to the items skipped.
                "links" => {
                    let links: Value = map.next_value()?;
                    nav.next = links
                        .pointer("/pages/next")
                        .and_then(Value::as_str)
                        .map(path_and_query);
                }
                "meta" => {
                    let meta: Value = map.next_value()?;
                    nav.total = meta.get("total").and_then(Value::as_u64);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(nav)
    }
}

/// The length of a list, its items skipped unbuilt; `null` is an empty list.
struct Count(usize);

impl<'de> de::Deserialize<'de> for Count {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Count, D::Error> {
        struct CountVisitor;
        impl<'de> Visitor<'de> for CountVisitor {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Count, E> {
                Ok(Count(0))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Count, A::Error> {
                let mut n = 0;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    n += 1;
                }
                Ok(Count(n))
            }
        }
        d.deserialize_any(CountVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_links_meta_and_the_item_count() {
        let page = r#"{"droplets": [{"id": 1, "links": {"pages": {"next": "x"}}}, {"id": 2}],
            "links": {"pages": {"next": "https://api.digitalocean.com/v2/droplets?page=2&per_page=200", "last": "y"}},
            "meta": {"total": 450}}"#;
        assert_eq!(
            skim(page, "droplets").unwrap(),
            Nav {
                next: Some("/v2/droplets?page=2&per_page=200".into()),
                total: Some(450),
                count: 2
            }
        );
        assert_eq!(
            skim(
                r#"{"droplets": null, "links": {"pages": 3}, "meta": {}}"#,
                "droplets"
            )
            .unwrap(),
            Nav::default()
        );
        assert_eq!(
            skim(r#"{"meta": {"total": 3}}"#, "droplets").unwrap().total,
            Some(3)
        );
    }

    #[test]
    fn a_reply_that_is_not_a_page_is_refused() {
        for text in [
            r#"{"droplets": {"id": 1}}"#,
            "[]",
            r#"{"droplets": [1}"#,
            "{} {}",
            "",
        ] {
            let e = skim(text, "droplets").unwrap_err();
            assert!(
                e.starts_with("the reply could not be read as a page of `droplets`"),
                "{text}: {e}"
            );
        }
    }
}
