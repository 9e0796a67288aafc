//! The resize state machine: power off, resize, power on, each sent against fresh state. Pure: the
//! current stage and what the listing shows in, the next stage and the action to send out.

use crate::provider::{Droplet, DropletAction, DropletStatus};

/// Where a resize (or a plain power-on, which starts at [`Stage::PowerOn`]) stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    PowerOff,
    WaitOff,
    Resize,
    WaitResized,
    PowerOn,
    WaitOn,
}

/// What to do after looking at the droplet once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Move to `stage`, sending `send` first when given (at most one action per look).
    Go {
        stage: Stage,
        send: Option<DropletAction>,
    },
    /// The droplet is active again at its new size.
    Done,
}

/// Advances a resize to `size` (`disk`: grow the disk too) by what `droplet` shows now.
pub fn step(stage: Stage, size: &str, disk: bool, droplet: &Droplet) -> Next {
    let off = droplet.status == DropletStatus::Off;
    let locked = droplet.locked;
    // A locked droplet is busy with an action: nothing is sent until it is free.
    let next = match stage {
        Stage::PowerOff | Stage::PowerOn | Stage::Resize if locked => stage,
        Stage::PowerOff if off => Stage::Resize,
        Stage::PowerOff => {
            return Next::Go {
                stage: Stage::WaitOff,
                send: Some(DropletAction::PowerOff),
            };
        }
        Stage::WaitOff if off && !locked => Stage::Resize,
        Stage::WaitResized if !locked && droplet.size_slug == size => Stage::PowerOn,
        Stage::WaitOn | Stage::PowerOn if droplet.status == DropletStatus::Active && !locked => {
            return Next::Done;
        }
        other => other,
    };
    match next {
        Stage::Resize if !locked => Next::Go {
            stage: Stage::WaitResized,
            send: Some(DropletAction::Resize {
                size: size.to_string(),
                disk,
            }),
        },
        Stage::PowerOn if !locked => Next::Go {
            stage: Stage::WaitOn,
            send: Some(DropletAction::PowerOn),
        },
        other => Next::Go {
            stage: other,
            send: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn droplet(status: &str, locked: bool, size: &str) -> Droplet {
        serde_json::from_value(serde_json::json!({
            "id": 1, "name": "d", "status": status, "locked": locked, "size_slug": size,
            "region": {"slug": "nyc1"}, "image": {"slug": "x"},
        }))
        .unwrap()
    }

    #[test]
    fn each_stage_against_each_state() {
        use Stage::*;
        let resize = Some(DropletAction::Resize {
            size: "big".into(),
            disk: false,
        });
        // (stage, status, locked, live size) -> (next stage, action sent) or None for done.
        type Case = (
            Stage,
            &'static str,
            bool,
            &'static str,
            Option<(Stage, Option<DropletAction>)>,
        );
        let cases: Vec<Case> = vec![
            (
                PowerOff,
                "active",
                false,
                "small",
                Some((WaitOff, Some(DropletAction::PowerOff))),
            ),
            (PowerOff, "active", true, "small", Some((PowerOff, None))),
            (
                PowerOff,
                "off",
                false,
                "small",
                Some((WaitResized, resize.clone())),
            ),
            (WaitOff, "active", true, "small", Some((WaitOff, None))),
            (WaitOff, "off", true, "small", Some((WaitOff, None))),
            (
                WaitOff,
                "off",
                false,
                "small",
                Some((WaitResized, resize.clone())),
            ),
            (Resize, "off", true, "small", Some((Resize, None))),
            (
                Resize,
                "off",
                false,
                "small",
                Some((WaitResized, resize.clone())),
            ),
            (WaitResized, "off", true, "big", Some((WaitResized, None))),
            (
                WaitResized,
                "off",
                false,
                "small",
                Some((WaitResized, None)),
            ),
            (
                WaitResized,
                "off",
                false,
                "big",
                Some((WaitOn, Some(DropletAction::PowerOn))),
            ),
            (
                PowerOn,
                "off",
                false,
                "big",
                Some((WaitOn, Some(DropletAction::PowerOn))),
            ),
            (PowerOn, "off", true, "big", Some((PowerOn, None))),
            (PowerOn, "active", false, "big", None),
            (WaitOn, "off", false, "big", Some((WaitOn, None))),
            (WaitOn, "active", true, "big", Some((WaitOn, None))),
            (WaitOn, "active", false, "big", None),
        ];
        for (stage, status, locked, size, want) in cases {
            let got = step(stage, "big", false, &droplet(status, locked, size));
            let want = match want {
                Some((stage, send)) => Next::Go { stage, send },
                None => Next::Done,
            };
            assert_eq!(
                got, want,
                "{stage:?} with {status} locked={locked} size={size}"
            );
        }
    }

    #[test]
    fn a_whole_resize_sends_each_action_once() {
        let mut stage = Stage::PowerOff;
        let mut sent = Vec::new();
        let states = [
            ("active", "small"),
            ("off", "small"),
            ("off", "big"),
            ("active", "big"),
        ];
        for (status, size) in states {
            // Each state seen twice: a repeated listing must not repeat an action.
            for _ in 0..2 {
                match step(stage, "big", true, &droplet(status, false, size)) {
                    Next::Go { stage: next, send } => {
                        sent.extend(send.map(|a| a.kind()));
                        stage = next;
                    }
                    Next::Done => {
                        assert_eq!(sent, ["power_off", "resize", "power_on"]);
                        return;
                    }
                }
            }
        }
        panic!("never done: {sent:?}");
    }
}
