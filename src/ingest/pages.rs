//! The items of a listing's page, found in its text: each as its exact bytes, in one pass that does not
//! build them.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::provider::listings::read_whole;

/// The items under `key` in a page's body (none when the key is absent or `null`), each as its exact text
/// in the page: the one pass that finds where each object starts and ends, without building it.
pub fn items<'a>(body: &'a str, key: &str) -> Result<Vec<&'a RawValue>, String> {
    read_whole(body, ItemsOf { key })
        .map_err(|e| format!("a page of `{key}` could not be read: {e}"))
}

/// Finds `key` in the body object, skipping every other member without building it.
struct ItemsOf<'k> {
    key: &'k str,
}

impl<'de> DeserializeSeed<'de> for ItemsOf<'_> {
    type Value = Vec<&'de RawValue>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ItemsOf<'_> {
    type Value = Vec<&'de RawValue>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "an object with a `{}` list", self.key)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(name) = map.next_key::<Cow<'de, str>>()? {
            if name == self.key {
                items = map
                    .next_value::<Option<Vec<&'de RawValue>>>()?
                    .unwrap_or_default();
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_the_exact_text_of_each_object() {
        let body = r#"{"links": {"pages": {}}, "droplets": [ {"id": 1,  "name": "a"},{"id":2} ], "meta": {"total": 2}}"#;
        let found = items(body, "droplets").unwrap();
        let texts: Vec<&str> = found.iter().map(|r| r.get()).collect();
        assert_eq!(texts, [r#"{"id": 1,  "name": "a"}"#, r#"{"id":2}"#]);
        assert!(
            items(r#"{"droplets": null}"#, "droplets")
                .unwrap()
                .is_empty()
        );
        assert!(items(r#"{"meta": {}}"#, "droplets").unwrap().is_empty());
    }

    #[test]
    fn a_page_that_is_not_an_object_with_a_list_is_refused() {
        for body in [
            r#"{"droplets": {"id": 1}}"#,
            "[1]",
            r#"{"droplets": [1}"#,
            r#"{} {}"#,
        ] {
            let e = items(body, "droplets").unwrap_err();
            assert!(
                e.starts_with("a page of `droplets` could not be read: "),
                "{body}: {e}"
            );
        }
    }
}
