//! Droplets over HTTP: create (one and several), validation, filters, boot and delete.

use serde_json::{Value, json};

use super::{assert_error, create_body, start};
use crate::case;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![
        case!(create_single_and_multi),
        case!(validation_errors_are_422_or_400),
        case!(tag_and_name_filters),
        case!(boot_via_advance_assigns_addresses),
        case!(delete_then_404_and_delete_by_tag),
    ]
}

fn create_single_and_multi() {
    let sb = start();
    let r = sb.post("/v2/droplets", create_body("web-1"));
    assert_eq!(r.status, 202, "{}", r.raw);
    let d = &r.json["droplet"];
    assert_eq!(d["name"], "web-1");
    assert_eq!(d["status"], "new");
    assert_eq!(d["networks"], json!({"v4": [], "v6": []}));
    assert_eq!(d["tags"], json!(["stagecraft", "stagecraft:env:test"]));
    assert_eq!(d["size"]["slug"], "s-1vcpu-1gb");
    assert!(d["vpc_uuid"].as_str().is_some_and(|v| v.len() == 36));
    assert!(d.get("user_data").is_none());
    let links = r.json["links"]["actions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0]["rel"], "create");
    let href = links[0]["href"].as_str().unwrap_or_default();
    assert_eq!(href, format!("{}/v2/actions/{}", sb.url, links[0]["id"]));
    // The action link works.
    let a = sb.get(href.trim_start_matches(&sb.url));
    assert_eq!(a.json["action"]["type"], "create");
    assert_eq!(a.json["action"]["status"], "in-progress");

    let mut multi = create_body("x");
    multi.as_object_mut().map(|o| o.remove("name"));
    multi["names"] = json!(["api-1", "api-2", "api-3"]);
    multi["user_data"] = json!("#!/bin/sh\necho hi\n");
    let r = sb.post("/v2/droplets", multi);
    assert_eq!(r.status, 202, "{}", r.raw);
    let names: Vec<&str> = r.json["droplets"]
        .as_array()
        .map(|a| a.iter().filter_map(|d| d["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, vec!["api-1", "api-2", "api-3"]);
    assert_eq!(r.json["links"]["actions"].as_array().map(Vec::len), Some(3));
    assert_eq!(sb.get("/v2/droplets").json["meta"]["total"], 4);
    sb.shutdown();
}

fn validation_errors_are_422_or_400() {
    let sb = start();
    let eleven: Vec<String> = (1..=11).map(|i| format!("n-{i}")).collect();
    let with = |k: &str, v: Value| {
        let mut b = create_body("ok-1");
        b[k] = v;
        b
    };
    // Every one of these is refused with 422 unprocessable_entity.
    let size_not_in_region = {
        let mut b = with("region", json!("blr1"));
        b["size"] = json!("c-2");
        b
    };
    let cases: Vec<(&str, Value)> = vec![
        ("bad name", with("name", json!("bad_name"))),
        ("trailing dash", with("name", json!("web-"))),
        ("unknown region", with("region", json!("mars1"))),
        ("unavailable region", with("region", json!("nyc2"))),
        ("unknown size", with("size", json!("s-64vcpu-1tb"))),
        ("size not in region", size_not_in_region),
        ("unknown image", with("image", json!("windows-95"))),
        ("unknown ssh key", with("ssh_keys", json!([424242]))),
        ("bad tag", with("tags", json!(["has space"]))),
        (
            "11 names",
            json!({"names": eleven, "size": "s-1vcpu-1gb", "image": "ubuntu-24-04-x64"}),
        ),
        (
            "missing size",
            json!({"name": "a", "image": "ubuntu-24-04-x64"}),
        ),
        ("missing image", json!({"name": "a", "size": "s-1vcpu-1gb"})),
        (
            "user_data too big",
            with("user_data", json!("x".repeat(64 * 1024 + 1))),
        ),
    ];
    for (what, body) in cases {
        let r = sb.post("/v2/droplets", body);
        assert_eq!(r.status, 422, "{what}: {}", r.raw);
        assert_error(&r, 422, "unprocessable_entity");
    }
    let r = sb
        .try_call("POST", "/v2/droplets", Some("{not json"), true)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_error(&r, 400, "bad_request");
    // Nothing was created by any of these.
    assert_eq!(sb.get("/v2/droplets").json["meta"]["total"], 0);
    // Seeded key can be referenced by fingerprint.
    let fp = sb.get("/v2/account/keys").json["ssh_keys"][0]["fingerprint"].clone();
    let r = sb.post("/v2/droplets", with("ssh_keys", json!([fp])));
    assert_eq!(r.status, 202, "{}", r.raw);
    sb.shutdown();
}

fn tag_and_name_filters() {
    let sb = start();
    sb.post("/v2/droplets", create_body("Web-1"));
    let mut other = create_body("db-1");
    other["tags"] = json!(["stagecraft:env:other"]);
    sb.post("/v2/droplets", other);
    let r = sb.get("/v2/droplets?name=web-1");
    assert_eq!(r.json["meta"]["total"], 1);
    assert_eq!(r.json["droplets"][0]["name"], "Web-1");
    assert_eq!(sb.get("/v2/droplets?name=web").json["meta"]["total"], 0);
    let r = sb.get("/v2/droplets?tag_name=stagecraft:env:other");
    assert_eq!(r.json["meta"]["total"], 1);
    assert_eq!(r.json["droplets"][0]["name"], "db-1");
    assert_eq!(
        sb.get("/v2/droplets?tag_name=nope").json["meta"]["total"],
        0
    );
    assert_error(
        &sb.get("/v2/droplets?tag_name=stagecraft&name=web-1"),
        422,
        "unprocessable_entity",
    );
    let t = sb.get("/v2/tags/stagecraft:env:other");
    assert_eq!(t.json["tag"]["resources"]["droplets"]["count"], 1);
    sb.shutdown();
}

fn boot_via_advance_assigns_addresses() {
    let sb = start();
    let mut body = create_body("boot-1");
    body["ipv6"] = json!(true);
    let id = sb.post("/v2/droplets", body).json["droplet"]["id"].clone();
    let path = format!("/v2/droplets/{id}");
    sb.advance(30);
    assert_eq!(sb.get(&path).json["droplet"]["status"], "new");
    sb.advance(31);
    let d = sb.get(&path).json["droplet"].clone();
    assert_eq!(d["status"], "active");
    let v4 = d["networks"]["v4"].as_array().cloned().unwrap_or_default();
    let public: Vec<&Value> = v4.iter().filter(|n| n["type"] == "public").collect();
    assert_eq!(public.len(), 1);
    assert_eq!(public[0]["ip_address"], "127.0.0.1");
    assert!(v4.iter().any(|n| {
        n["type"] == "private"
            && n["ip_address"]
                .as_str()
                .is_some_and(|ip| ip.starts_with("10."))
    }));
    assert_eq!(d["networks"]["v6"].as_array().map(Vec::len), Some(1));
    let actions = sb.get(&format!("{path}/actions"));
    assert_eq!(actions.json["actions"][0]["status"], "completed");
    sb.shutdown();
}

fn delete_then_404_and_delete_by_tag() {
    let sb = start();
    let id = sb.post("/v2/droplets", create_body("gone-1")).json["droplet"]["id"].clone();
    let r = sb.call("DELETE", &format!("/v2/droplets/{id}"), None);
    assert_eq!(r.status, 204);
    assert!(r.raw.is_empty());
    assert_error(
        &sb.call("DELETE", &format!("/v2/droplets/{id}"), None),
        404,
        "not_found",
    );
    assert_error(&sb.get(&format!("/v2/droplets/{id}")), 404, "not_found");
    sb.post("/v2/droplets", create_body("gone-2"));
    sb.post("/v2/droplets", create_body("gone-3"));
    let r = sb.call("DELETE", "/v2/droplets?tag_name=stagecraft:env:test", None);
    assert_eq!(r.status, 204);
    assert_eq!(sb.get("/v2/droplets").json["meta"]["total"], 0);
    sb.shutdown();
}
