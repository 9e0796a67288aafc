//! Apply progress: a live line per droplet on a terminal, plain timestamped lines otherwise.

use std::collections::BTreeMap;
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Out;
use crate::apply::Progress;
use crate::clock::rfc3339;

pub enum ApplyProgress {
    Bars {
        multi: MultiProgress,
        bars: BTreeMap<String, (ProgressBar, Instant)>,
    },
    Lines {
        out: Out,
        started: BTreeMap<String, (Instant, String)>,
    },
}

impl ApplyProgress {
    /// Bars when stderr is a terminal and the output is for people; lines otherwise.
    pub fn new(out: &Out) -> ApplyProgress {
        use std::io::IsTerminal;
        if std::io::stderr().is_terminal() && !out.json && !out.quiet {
            ApplyProgress::Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                bars: BTreeMap::new(),
            }
        } else {
            ApplyProgress::Lines {
                out: out.clone(),
                started: BTreeMap::new(),
            }
        }
    }

    pub fn finish(&mut self) {
        if let ApplyProgress::Bars { bars, .. } = self {
            for (bar, _) in bars.values() {
                bar.finish();
            }
        }
    }
}

impl Progress for ApplyProgress {
    fn update(&mut self, droplet_name: &str, state: &str) {
        match self {
            ApplyProgress::Bars { multi, bars } => {
                let (bar, _) = bars.entry(droplet_name.to_string()).or_insert_with(|| {
                    let bar = multi.add(ProgressBar::new_spinner());
                    bar.set_style(
                        ProgressStyle::with_template("{spinner} {prefix:<28} {msg} ({elapsed})")
                            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                    );
                    bar.set_prefix(droplet_name.to_string());
                    bar.enable_steady_tick(std::time::Duration::from_millis(200));
                    (bar, Instant::now())
                });
                bar.set_message(state.to_string());
            }
            ApplyProgress::Lines { out, started } => {
                let (since, last) = started
                    .entry(droplet_name.to_string())
                    .or_insert_with(|| (Instant::now(), String::new()));
                // One line per change of state, not per poll.
                if last == state {
                    return;
                }
                *last = state.to_string();
                out.note(&format!(
                    "{} {droplet_name}: {state} ({}s)",
                    rfc3339(std::time::SystemTime::now()),
                    since.elapsed().as_secs()
                ));
            }
        }
    }
}
