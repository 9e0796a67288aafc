//! Droplet actions over HTTP: locking, power, resize, rename, and the action lists.

use serde_json::json;

use super::{assert_error, create_body, start};
use crate::case;
use crate::support::harness::Case;

pub fn tests() -> Vec<Case> {
    vec![case!(actions_lock_and_change_the_droplet)]
}

fn actions_lock_and_change_the_droplet() {
    let sb = start();
    let id = sb.post("/v2/droplets", create_body("act-1")).json["droplet"]["id"].clone();
    let dpath = format!("/v2/droplets/{id}");
    let apath = format!("{dpath}/actions");
    sb.advance(61);
    let r = sb.post(&apath, json!({"type": "resize", "size": "s-2vcpu-4gb"}));
    assert_error(&r, 422, "unprocessable_entity");
    let r = sb.post(&apath, json!({"type": "power_off"}));
    assert_eq!(r.status, 201, "{}", r.raw);
    assert_eq!(r.json["action"]["type"], "power_off");
    assert_eq!(r.json["action"]["status"], "in-progress");
    let action_id = r.json["action"]["id"].clone();
    assert_eq!(sb.get(&dpath).json["droplet"]["locked"], true);
    assert_error(
        &sb.post(&apath, json!({"type": "power_on"})),
        422,
        "unprocessable_entity",
    );
    sb.advance(61);
    let d = sb.get(&dpath).json["droplet"].clone();
    assert_eq!(
        (d["status"].clone(), d["locked"].clone()),
        (json!("off"), json!(false))
    );
    let a = sb.get(&format!("{apath}/{action_id}"));
    assert_eq!(a.json["action"]["status"], "completed");
    assert_eq!(
        sb.get(&format!("/v2/actions/{action_id}")).json["action"]["id"],
        action_id
    );
    let r = sb.post(
        &apath,
        json!({"type": "resize", "size": "s-2vcpu-4gb", "disk": false}),
    );
    assert_eq!(r.status, 201, "{}", r.raw);
    sb.advance(61);
    let d = sb.get(&dpath).json["droplet"].clone();
    assert_eq!(d["size_slug"], "s-2vcpu-4gb");
    assert_eq!(
        (d["memory"].clone(), d["vcpus"].clone(), d["disk"].clone()),
        (json!(4096), json!(2), json!(25))
    );
    assert_eq!(
        sb.post(&apath, json!({"type": "rename", "name": "act-renamed"}))
            .status,
        201
    );
    assert_eq!(
        sb.post(
            &format!("/v2/droplets/{id}/actions"),
            json!({"type": "power_on"})
        )
        .status,
        422
    );
    sb.advance(61);
    assert_eq!(sb.post(&apath, json!({"type": "power_on"})).status, 201);
    sb.advance(61);
    let d = sb.get(&dpath).json["droplet"].clone();
    assert_eq!(
        (d["name"].clone(), d["status"].clone()),
        (json!("act-renamed"), json!("active"))
    );
    assert_error(
        &sb.post(&apath, json!({"type": "teleport"})),
        422,
        "unprocessable_entity",
    );
    assert_error(
        &sb.post("/v2/droplets/1/actions", json!({"type": "reboot"})),
        404,
        "not_found",
    );
    let list = sb.get(&apath);
    assert_eq!(list.json["meta"]["total"], 5);
    assert_eq!(sb.get("/v2/actions").json["meta"]["total"], 5);
    sb.shutdown();
}
