//! In-place updates of one droplet, as a queue of steps run one after another (a droplet takes one action
//! at a time): feature actions (backups, IPv6) first, then a resize or a power-on. Pure.

use std::collections::VecDeque;

use super::resize::{self, Next, Stage};
use super::sink::ActionKind;
use crate::plan::{Effect, Entry};
use crate::provider::{Droplet, DropletAction};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// One droplet action, then a wait until the droplet shows its effect.
    Feature { action: DropletAction, sent: bool },
    /// Power off, resize, power on (or from `PowerOn`: only power on).
    Resize { size: String, stage: Stage },
}

/// What to do after looking at the droplet once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Advance {
    /// Keep this step, as `step`, sending `send` first when given.
    Go {
        step: Step,
        send: Option<DropletAction>,
    },
    /// This step is done: go on with the next one.
    Done,
}

/// The steps an update entry needs (tags aside: the retag does those) and what the report calls it.
pub fn plan(entry: &Entry, live_size: &str) -> Option<(ActionKind, VecDeque<Step>)> {
    let change = |field: &str| {
        entry
            .changes
            .iter()
            .find(|c| c.field == field && c.effect == Effect::InPlace)
    };
    let mut steps = VecDeque::new();
    if let Some(c) = change("backups") {
        let action = if c.to == "true" {
            DropletAction::EnableBackups
        } else {
            DropletAction::DisableBackups
        };
        steps.push_back(Step::Feature {
            action,
            sent: false,
        });
    }
    if change("ipv6").is_some() {
        steps.push_back(Step::Feature {
            action: DropletAction::EnableIpv6,
            sent: false,
        });
    }
    let features = steps.len();
    if let Some(size) = change("size") {
        steps.push_back(Step::Resize {
            size: size.to.clone(),
            stage: Stage::PowerOff,
        });
    } else if change("power").is_some() {
        steps.push_back(Step::Resize {
            size: live_size.to_string(),
            stage: Stage::PowerOn,
        });
    }
    let kind = match (steps.back(), features) {
        (None, _) => return None,
        (Some(Step::Resize { stage, .. }), 0) if *stage == Stage::PowerOn => ActionKind::PowerOn,
        (Some(Step::Resize { .. }), 0) => ActionKind::Resize,
        (Some(Step::Feature { action, .. }), 1) => ActionKind::of(action),
        _ => ActionKind::Update,
    };
    Some((kind, steps))
}

/// Advances `step` by what `droplet` shows now (`disk`: a resize grows the disk too).
pub fn advance(step: &Step, droplet: &Droplet, disk: bool) -> Advance {
    match step {
        Step::Feature { action, sent } => {
            if droplet.locked {
                return Advance::Go {
                    step: step.clone(),
                    send: None,
                };
            }
            if *sent && shows(action, droplet) {
                return Advance::Done;
            }
            Advance::Go {
                step: Step::Feature {
                    action: action.clone(),
                    sent: true,
                },
                // Sent once; an action the API finished without effect is not repeated here (the next
                // apply's plan shows it again).
                send: (!*sent).then(|| action.clone()),
            }
        }
        Step::Resize { size, stage } => match resize::step(*stage, size, disk, droplet) {
            Next::Done => Advance::Done,
            Next::Go { stage, send } => Advance::Go {
                step: Step::Resize {
                    size: size.clone(),
                    stage,
                },
                send,
            },
        },
    }
}

/// Whether the droplet shows the effect of `action`.
fn shows(action: &DropletAction, droplet: &Droplet) -> bool {
    match action {
        DropletAction::EnableBackups => droplet.has_feature("backups"),
        DropletAction::DisableBackups => !droplet.has_feature("backups"),
        DropletAction::EnableIpv6 => droplet.has_feature("ipv6"),
        // Power and resize are the resize machine's.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Change;

    fn droplet(locked: bool, features: &[&str]) -> Droplet {
        serde_json::from_value(serde_json::json!({
            "id": 1, "name": "d", "status": "active", "locked": locked, "size_slug": "s",
            "region": {"slug": "nyc1"}, "image": {"slug": "x"}, "features": features,
        }))
        .unwrap()
    }

    fn entry(changes: &[(&str, &str, &str)]) -> Entry {
        Entry {
            name: "app-1".into(),
            droplet_name: "staging-app-1".into(),
            role: "app".into(),
            size: "s".into(),
            region: "nyc1".into(),
            image: "x".into(),
            droplet_id: Some(1),
            changes: changes
                .iter()
                .map(|(field, from, to)| Change {
                    field: field.to_string(),
                    from: from.to_string(),
                    to: to.to_string(),
                    effect: Effect::InPlace,
                })
                .collect(),
            protected: false,
            duplicate_of: None,
        }
    }

    #[test]
    fn each_change_becomes_its_steps_in_order() {
        let backups = Step::Feature {
            action: DropletAction::EnableBackups,
            sent: false,
        };
        let ipv6 = Step::Feature {
            action: DropletAction::EnableIpv6,
            sent: false,
        };
        let resize = Step::Resize {
            size: "big".into(),
            stage: Stage::PowerOff,
        };
        type Case<'a> = (
            Vec<(&'a str, &'a str, &'a str)>,
            Option<(ActionKind, Vec<Step>)>,
        );
        let cases: Vec<Case> = vec![
            (vec![("tags", "a", "b")], None),
            (
                vec![("backups", "false", "true")],
                Some((ActionKind::EnableBackups, vec![backups.clone()])),
            ),
            (
                vec![("backups", "true", "false")],
                Some((
                    ActionKind::DisableBackups,
                    vec![Step::Feature {
                        action: DropletAction::DisableBackups,
                        sent: false,
                    }],
                )),
            ),
            (
                vec![("size", "s", "big")],
                Some((ActionKind::Resize, vec![resize.clone()])),
            ),
            (
                vec![("power", "off", "on")],
                Some((
                    ActionKind::PowerOn,
                    vec![Step::Resize {
                        size: "s".into(),
                        stage: Stage::PowerOn,
                    }],
                )),
            ),
            (
                vec![
                    ("size", "s", "big"),
                    ("ipv6", "false", "true"),
                    ("backups", "false", "true"),
                ],
                Some((ActionKind::Update, vec![backups, ipv6, resize])),
            ),
        ];
        for (changes, want) in cases {
            let got = plan(&entry(&changes), "s").map(|(k, s)| (k, s.into_iter().collect()));
            assert_eq!(got, want, "{changes:?}");
        }
    }

    #[test]
    fn a_feature_action_is_sent_once_and_done_when_it_shows() {
        let start = Step::Feature {
            action: DropletAction::EnableIpv6,
            sent: false,
        };
        // Busy with something else: wait.
        assert_eq!(
            advance(&start, &droplet(true, &[]), false),
            Advance::Go {
                step: start.clone(),
                send: None
            }
        );
        let Advance::Go { step, send } = advance(&start, &droplet(false, &[]), false) else {
            panic!("sends")
        };
        assert_eq!(send, Some(DropletAction::EnableIpv6));
        // Running, then done: not sent again.
        let again = advance(&step, &droplet(true, &[]), false);
        assert!(matches!(again, Advance::Go { send: None, .. }), "{again:?}");
        let again = advance(&step, &droplet(false, &[]), false);
        assert!(matches!(again, Advance::Go { send: None, .. }), "{again:?}");
        assert_eq!(
            advance(&step, &droplet(false, &["ipv6"]), false),
            Advance::Done
        );
    }
}
