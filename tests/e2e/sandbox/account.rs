//! Tags assigned to droplets, and SSH keys by id and fingerprint.

use serde_json::json;

use super::{assert_error, create_body, start};
use crate::case;
use crate::support::harness::Case;
use crate::support::sandbox::TestSandbox;

pub fn tests() -> Vec<Case> {
    vec![
        case!(tags_are_assigned_and_unassigned_by_name),
        case!(ssh_keys_crud_by_id_and_fingerprint),
    ]
}

fn tags_are_assigned_and_unassigned_by_name() {
    let sb = start();
    let id = sb.post("/v2/droplets", create_body("tagged-1")).json["droplet"]["id"].clone();
    let resources =
        json!({"resources": [{"resource_id": id.to_string(), "resource_type": "droplet"}]});
    assert_error(
        &sb.post("/v2/tags/fw-web/resources", resources.clone()),
        404,
        "not_found",
    );
    assert_eq!(sb.post("/v2/tags", json!({"name": "fw-web"})).status, 201);
    let r = sb.post("/v2/tags/fw-web/resources", resources.clone());
    assert_eq!(r.status, 204, "{}", r.raw);
    let tags =
        |sb: &TestSandbox| sb.get(&format!("/v2/droplets/{id}")).json["droplet"]["tags"].clone();
    assert!(tags(&sb).as_array().unwrap().contains(&json!("fw-web")));
    assert_eq!(
        sb.get("/v2/droplets?tag_name=fw-web").json["meta"]["total"],
        1
    );
    assert_eq!(
        sb.get("/v2/tags/fw-web").json["tag"]["resources"]["droplets"]["count"],
        1
    );
    for bad in [
        json!({}),
        json!({"resources": []}),
        json!({"resources": [{"resource_id": id, "resource_type": "droplet"}]}),
        json!({"resources": [{"resource_id": "1", "resource_type": "volume"}]}),
    ] {
        assert_error(
            &sb.post("/v2/tags/fw-web/resources", bad),
            422,
            "unprocessable_entity",
        );
    }
    let r = sb.call("DELETE", "/v2/tags/fw-web/resources", Some(resources));
    assert_eq!(r.status, 204, "{}", r.raw);
    assert!(!tags(&sb).as_array().unwrap().contains(&json!("fw-web")));
    assert_eq!(
        sb.get("/v2/droplets?tag_name=fw-web").json["meta"]["total"],
        0
    );
    sb.shutdown();
}

fn ssh_keys_crud_by_id_and_fingerprint() {
    let sb = start();
    let list = sb.get("/v2/account/keys");
    assert_eq!(list.json["meta"]["total"], 1);
    let key = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAQQDDHr/jh2Jy4yALcK4JyWbVkPRaWmhck3IgCoeOO3z1e2dBowLh64QAM+Qb72pxekALga2oi4GvT+TlWNhzPH4V example";
    let r = sb.post(
        "/v2/account/keys",
        json!({"name": "laptop", "public_key": key}),
    );
    assert_eq!(r.status, 201, "{}", r.raw);
    let fp = r.json["ssh_key"]["fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(fp.split(':').count(), 16);
    let id = r.json["ssh_key"]["id"].clone();
    assert_eq!(
        sb.get(&format!("/v2/account/keys/{fp}")).json["ssh_key"]["id"],
        id
    );
    let r = sb.call(
        "PUT",
        &format!("/v2/account/keys/{id}"),
        Some(json!({"name": "renamed"})),
    );
    assert_eq!(r.json["ssh_key"]["name"], "renamed");
    assert_eq!(
        sb.call("DELETE", &format!("/v2/account/keys/{fp}"), None)
            .status,
        204
    );
    assert_error(&sb.get(&format!("/v2/account/keys/{id}")), 404, "not_found");
    sb.shutdown();
}
