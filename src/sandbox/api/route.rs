//! Reading a request's method and path into a typed `Route`. Each resource file declares its path
//! templates and turns a matched template into its own route enum, so serving a new resource means
//! a new file and one more entry in `FAMILIES`, not a longer match.

use super::{
    account, account_extras, actions, catalogue, domains, droplets, firewalls, inventory, projects,
    reserved_ips, tags,
};
use crate::sandbox::http::percent_decode;

/// The methods the API serves; HEAD is answered as GET with the body left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
    Other,
}

impl Method {
    pub fn of(method: &str) -> Method {
        match method {
            "GET" | "HEAD" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => Method::Other,
        }
    }
}

/// One endpoint with its parameters already parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Route {
    Droplets(droplets::DropletRoute),
    Actions(actions::ActionRoute),
    Keys(account::KeyRoute),
    Tags(tags::TagRoute),
    Catalogue(catalogue::CatalogueRoute),
    Inventory(inventory::InventoryRoute),
    Extras(account_extras::ExtrasRoute),
    Firewalls(firewalls::FirewallRoute),
    Domains(domains::DomainRoute),
    Projects(projects::ProjectRoute),
    ReservedIps(reserved_ips::ReservedIpRoute),
}

/// A resource family: the path templates it answers (`{id}` stands for one non-empty segment) and
/// how a request for one of them becomes a `Route` (None: the method or a parameter does not fit).
pub struct Family {
    pub templates: &'static [&'static str],
    pub parse: fn(Method, &'static str, &[String]) -> Option<Route>,
}

const FAMILIES: [&Family; 11] = [
    &droplets::FAMILY,
    &firewalls::FAMILY,
    &domains::FAMILY,
    &projects::FAMILY,
    &reserved_ips::FAMILY,
    &actions::FAMILY,
    &account::FAMILY,
    &tags::FAMILY,
    &catalogue::FAMILY,
    &inventory::FAMILY,
    &account_extras::FAMILY,
];

/// Where a request goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The route template (`/v2/droplets/{id}`) that logs, counters and fault rules name; the
    /// literal path when no template matches.
    pub template: String,
    /// None is answered 404, like an unknown path.
    pub route: Option<Route>,
}

/// Matches the path against every family's templates; parameters come back percent-decoded.
pub fn resolve(method: &str, path: &str) -> Target {
    let trimmed = if path.len() > 1 {
        path.trim_end_matches('/')
    } else {
        path
    };
    let segs: Vec<&str> = trimmed.split('/').collect();
    for family in FAMILIES {
        for template in family.templates {
            if let Some(params) = match_template(template, &segs) {
                return Target {
                    template: template.to_string(),
                    route: (family.parse)(Method::of(method), template, &params),
                };
            }
        }
    }
    Target {
        template: trimmed.to_string(),
        route: None,
    }
}

fn match_template(template: &str, segs: &[&str]) -> Option<Vec<String>> {
    let tsegs: Vec<&str> = template.split('/').collect();
    if tsegs.len() != segs.len() {
        return None;
    }
    let mut params = Vec::new();
    for (t, s) in tsegs.iter().zip(segs) {
        if *t == "{id}" {
            if s.is_empty() {
                return None;
            }
            params.push(percent_decode(s));
        } else if t != s {
            return None;
        }
    }
    Some(params)
}

/// A numeric path id; anything else names nothing.
pub fn id(raw: &str) -> Option<u64> {
    raw.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::super::account::{KeyRef, KeyRoute};
    use super::super::actions::ActionRoute;
    use super::super::droplets::DropletRoute;
    use super::super::tags::TagRoute;
    use super::*;

    #[test]
    fn templates_and_typed_routes() {
        let cases: Vec<(&str, &str, &str, Option<Route>)> = vec![
            (
                "GET",
                "/v2/droplets",
                "/v2/droplets",
                Some(Route::Droplets(DropletRoute::List)),
            ),
            (
                "HEAD",
                "/v2/droplets/",
                "/v2/droplets",
                Some(Route::Droplets(DropletRoute::List)),
            ),
            (
                "GET",
                "/v2/droplets/12",
                "/v2/droplets/{id}",
                Some(Route::Droplets(DropletRoute::Get(12))),
            ),
            ("GET", "/v2/droplets/x", "/v2/droplets/{id}", None),
            ("PATCH", "/v2/droplets/12", "/v2/droplets/{id}", None),
            (
                "GET",
                "/v2/droplets/12/actions/34",
                "/v2/droplets/{id}/actions/{id}",
                Some(Route::Actions(ActionRoute::GetForDroplet(12, 34))),
            ),
            (
                "GET",
                "/v2/account/keys/3b:16",
                "/v2/account/keys/{id}",
                Some(Route::Keys(KeyRoute::Get(KeyRef::Fingerprint(
                    "3b:16".into(),
                )))),
            ),
            (
                "DELETE",
                "/v2/account/keys/7",
                "/v2/account/keys/{id}",
                Some(Route::Keys(KeyRoute::Delete(KeyRef::Id(7)))),
            ),
            (
                "GET",
                "/v2/tags/a%3Ab",
                "/v2/tags/{id}",
                Some(Route::Tags(TagRoute::Get("a:b".into()))),
            ),
            (
                "GET",
                "/v2/droplets//actions",
                "/v2/droplets//actions",
                None,
            ),
            ("GET", "/v2/nothing/here", "/v2/nothing/here", None),
        ];
        for (method, path, template, route) in cases {
            let t = resolve(method, path);
            assert_eq!(t.template, template, "{method} {path}");
            assert_eq!(t.route, route, "{method} {path}");
        }
    }
}
