//! Pagination rules: `page`/`per_page` parsing, the slice to serve, and `links.pages` URLs.

use serde_json::{Map, Value};

use super::http::percent_encode;

pub const DEFAULT_PER_PAGE: usize = 20;
pub const MAX_PER_PAGE: usize = 200;

/// The page a client asked for, after defaults and clamping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: usize,
    pub per_page: usize,
}

impl PageRequest {
    /// Reads `page` and `per_page` from the query. Missing, non-numeric or zero values fall back to
    /// the defaults (1 and 20); `per_page` above 200 is clamped to 200 (documented choice).
    pub fn from_query(pairs: &[(String, String)]) -> PageRequest {
        let get = |name: &str| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .and_then(|(_, v)| v.trim().parse::<usize>().ok())
                .filter(|n| *n >= 1)
        };
        PageRequest {
            page: get("page").unwrap_or(1),
            per_page: get("per_page")
                .unwrap_or(DEFAULT_PER_PAGE)
                .min(MAX_PER_PAGE),
        }
    }

    /// Number of items to skip.
    pub fn offset(&self) -> usize {
        (self.page - 1).saturating_mul(self.per_page)
    }

    /// Last page number for `total` items (at least 1, so an empty list has one empty page).
    pub fn last_page(&self, total: usize) -> usize {
        total.div_ceil(self.per_page).max(1)
    }

    /// Which of first/prev/next/last make sense for this page, as page numbers.
    pub fn link_pages(&self, total: usize) -> Vec<(&'static str, usize)> {
        let last = self.last_page(total);
        let mut out = Vec::new();
        if self.page > 1 {
            out.push(("first", 1));
            // Past the end, "prev" points at the real last page rather than at an empty one.
            out.push(("prev", (self.page - 1).min(last)));
        }
        if self.page < last {
            out.push(("next", self.page + 1));
            out.push(("last", last));
        }
        out
    }

    /// The `links` object: `{}` when everything fits on one page (as most spec examples show),
    /// else `{"pages": {...}}` with absolute URLs that keep the other query parameters.
    pub fn links(
        &self,
        base_url: &str,
        path: &str,
        pairs: &[(String, String)],
        total: usize,
    ) -> Value {
        let pages = self.link_pages(total);
        let mut links = Map::new();
        if !pages.is_empty() {
            let rest: String = pairs
                .iter()
                .filter(|(k, _)| k != "page" && k != "per_page")
                .map(|(k, v)| format!("&{}={}", percent_encode(k), percent_encode(v)))
                .collect();
            let mut map = Map::new();
            for (key, page) in pages {
                map.insert(
                    key.to_string(),
                    Value::String(format!(
                        "{base_url}{path}?page={page}&per_page={}{rest}",
                        self.per_page
                    )),
                );
            }
            links.insert("pages".into(), Value::Object(map));
        }
        Value::Object(links)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type QueryCase<'a> = (&'a [(&'a str, &'a str)], usize, usize);
    type LinkCase<'a> = (usize, usize, usize, &'a [(&'a str, usize)]);

    fn q(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parsing_defaults_and_clamps() {
        let cases: &[QueryCase] = &[
            (&[], 1, 20),
            (&[("page", "3")], 3, 20),
            (&[("per_page", "200")], 1, 200),
            (&[("per_page", "201")], 1, 200),
            (&[("per_page", "0")], 1, 20),
            (&[("page", "0")], 1, 20),
            (&[("page", "-1"), ("per_page", "x")], 1, 20),
        ];
        for (pairs, page, per_page) in cases {
            let p = PageRequest::from_query(&q(pairs));
            assert_eq!((p.page, p.per_page), (*page, *per_page), "{pairs:?}");
        }
    }

    #[test]
    fn link_pages_table() {
        // (page, per_page, total, expected keys)
        let cases: &[LinkCase] = &[
            (1, 20, 0, &[]),
            (1, 20, 20, &[]),
            (1, 20, 21, &[("next", 2), ("last", 2)]),
            (2, 20, 21, &[("first", 1), ("prev", 1)]),
            (
                2,
                10,
                35,
                &[("first", 1), ("prev", 1), ("next", 3), ("last", 4)],
            ),
            (4, 10, 35, &[("first", 1), ("prev", 3)]),
            (9, 10, 35, &[("first", 1), ("prev", 4)]),
            (1, 200, 10000, &[("next", 2), ("last", 50)]),
        ];
        for (page, per_page, total, want) in cases {
            let p = PageRequest {
                page: *page,
                per_page: *per_page,
            };
            assert_eq!(
                p.link_pages(*total),
                want.to_vec(),
                "page {page} per {per_page} total {total}"
            );
        }
    }

    #[test]
    fn offsets() {
        assert_eq!(
            PageRequest {
                page: 1,
                per_page: 20
            }
            .offset(),
            0
        );
        assert_eq!(
            PageRequest {
                page: 3,
                per_page: 200
            }
            .offset(),
            400
        );
    }

    #[test]
    fn links_keep_other_params() {
        let p = PageRequest {
            page: 2,
            per_page: 1,
        };
        let links = p.links(
            "http://h",
            "/v2/droplets",
            &q(&[
                ("tag_name", "stagecraft:env:x"),
                ("page", "2"),
                ("per_page", "1"),
            ]),
            3,
        );
        assert_eq!(
            links["pages"]["next"],
            "http://h/v2/droplets?page=3&per_page=1&tag_name=stagecraft:env:x"
        );
        assert_eq!(
            links["pages"]["first"],
            "http://h/v2/droplets?page=1&per_page=1&tag_name=stagecraft:env:x"
        );
        assert_eq!(
            PageRequest {
                page: 1,
                per_page: 20
            }
            .links("http://h", "/x", &[], 5),
            serde_json::json!({})
        );
    }
}
