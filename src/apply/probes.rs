//! Readiness probes during an apply: at most `parallel` at once on worker threads, so a slow boot never
//! holds up the poll loop; each reports its stages and its end as events the loop reads.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use crate::clock::{Clock, Wake};
use crate::exec::readiness::{NotReady, Stage};
use crate::exec::{Destination, readiness, ssh::Ssh};

/// Waits until a host is ready; the real one runs ssh, unit tests use fakes.
pub trait Prober: Send + Sync {
    fn wait_ready(
        &self,
        dest: &Destination,
        cloud_init: bool,
        deadline: Instant,
        on_stage: &(dyn Fn(Stage) + Sync),
    ) -> Result<(), NotReady>;
}

/// Probes over the system OpenSSH client, with stagecraft's known_hosts.
pub struct SshProber {
    pub ssh: Ssh,
    pub clock: Arc<dyn Clock>,
}

impl Prober for SshProber {
    fn wait_ready(
        &self,
        dest: &Destination,
        cloud_init: bool,
        deadline: Instant,
        on_stage: &(dyn Fn(Stage) + Sync),
    ) -> Result<(), NotReady> {
        readiness::wait_ready(
            &*self.clock,
            &self.ssh,
            dest,
            cloud_init,
            deadline,
            on_stage,
        )
    }
}

/// How an apply checks readiness, for hosts whose `ready:` asks for it.
#[derive(Clone)]
pub struct Readiness {
    pub prober: Arc<dyn Prober>,
    /// Probes at once (`--parallel`).
    pub parallel: usize,
}

/// One probe to run.
pub(super) struct ProbeJob {
    pub(super) dest: Destination,
    pub(super) cloud_init: bool,
    pub(super) deadline: Instant,
    /// `ready.timeout`: what a timeout is reported as (the probe may have waited for a worker first).
    pub(super) timeout: std::time::Duration,
}

/// What the loop hears from the probes.
pub(super) enum ProbeEvent {
    Stage {
        droplet_name: String,
        stage: Stage,
    },
    Done {
        droplet_name: String,
        id: u64,
        result: Result<(), NotReady>,
    },
}

/// The worker threads and their channels.
pub(super) struct ProbePool {
    readiness: Readiness,
    jobs: Option<Sender<ProbeJob>>,
    queue: Arc<Mutex<Receiver<ProbeJob>>>,
    events_tx: Sender<ProbeEvent>,
    events: Receiver<ProbeEvent>,
    workers: Vec<JoinHandle<()>>,
    pub(super) wake: Arc<Wake>,
    /// Probes started and not yet reported done.
    pub(super) running: usize,
}

impl ProbePool {
    pub(super) fn new(readiness: Readiness) -> ProbePool {
        let (jobs, queue) = channel();
        let (events_tx, events) = channel();
        ProbePool {
            readiness,
            jobs: Some(jobs),
            queue: Arc::new(Mutex::new(queue)),
            events_tx,
            events,
            workers: Vec::new(),
            wake: Arc::new(Wake::default()),
            running: 0,
        }
    }

    /// Queues a probe; a worker takes it when one is free (a new worker is started up to `parallel`).
    pub(super) fn start(&mut self, job: ProbeJob) {
        self.running += 1;
        if self.workers.len() < self.readiness.parallel.max(1) && self.workers.len() < self.running
        {
            self.spawn_worker();
        }
        if let Some(jobs) = &self.jobs {
            // The workers live as long as the pool, so the queue is open.
            let _ = jobs.send(job);
        }
    }

    fn spawn_worker(&mut self) {
        let queue = self.queue.clone();
        let events = self.events_tx.clone();
        let wake = self.wake.clone();
        let prober = self.readiness.prober.clone();
        self.workers.push(std::thread::spawn(move || {
            loop {
                let job = {
                    let queue = queue
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    match queue.recv() {
                        Ok(job) => job,
                        Err(_) => return,
                    }
                };
                let name = job.dest.droplet_name.clone();
                let on_stage = |stage: Stage| {
                    let _ = events.send(ProbeEvent::Stage {
                        droplet_name: name.clone(),
                        stage,
                    });
                    wake.wake();
                };
                let result = prober
                    .wait_ready(&job.dest, job.cloud_init, job.deadline, &on_stage)
                    .map_err(|e| match e {
                        NotReady::TimedOut { stage, last, .. } => NotReady::TimedOut {
                            stage,
                            after: job.timeout,
                            last,
                        },
                        e => e,
                    });
                let _ = events.send(ProbeEvent::Done {
                    droplet_name: name.clone(),
                    id: job.dest.droplet_id,
                    result,
                });
                wake.wake();
            }
        }));
    }

    /// Every event so far, without waiting.
    pub(super) fn drain(&mut self) -> Vec<ProbeEvent> {
        let events: Vec<ProbeEvent> = self.events.try_iter().collect();
        self.count_done(&events);
        events
    }

    /// Blocks until at least one event comes (only called while a probe is running), then drains.
    pub(super) fn next(&mut self) -> Vec<ProbeEvent> {
        let mut events: Vec<ProbeEvent> = self.events.recv().into_iter().collect();
        events.extend(self.events.try_iter());
        self.wake.take();
        self.count_done(&events);
        events
    }

    fn count_done(&mut self, events: &[ProbeEvent]) {
        let done = events
            .iter()
            .filter(|e| matches!(e, ProbeEvent::Done { .. }))
            .count();
        self.running = self.running.saturating_sub(done);
    }
}

impl Drop for ProbePool {
    fn drop(&mut self) {
        // Closing the queue ends each worker after its current probe.
        self.jobs.take();
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::config::SshTarget;

    /// Holds each probe until two others run too, and records how many ran at once.
    struct Counting {
        now: AtomicUsize,
        most: AtomicUsize,
        together: std::sync::Barrier,
    }

    impl Prober for Counting {
        fn wait_ready(
            &self,
            dest: &Destination,
            _cloud_init: bool,
            _deadline: Instant,
            on_stage: &(dyn Fn(Stage) + Sync),
        ) -> Result<(), NotReady> {
            let running = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.most.fetch_max(running, Ordering::SeqCst);
            on_stage(Stage::Ssh);
            self.together.wait();
            self.now.fetch_sub(1, Ordering::SeqCst);
            match dest.droplet_id % 2 {
                0 => Ok(()),
                _ => Err(NotReady::CloudInitFailed {
                    detail: "odd".into(),
                }),
            }
        }
    }

    fn job(id: u64) -> ProbeJob {
        ProbeJob {
            dest: Destination {
                name: format!("app-{id}"),
                droplet_name: format!("staging-app-{id}"),
                droplet_id: id,
                address: "192.0.2.1".into(),
                ssh: SshTarget {
                    user: "root".into(),
                    port: 22,
                    identity_file: None,
                },
            },
            cloud_init: false,
            deadline: Instant::now(),
            timeout: std::time::Duration::ZERO,
        }
    }

    #[test]
    fn at_most_parallel_probes_run_and_every_one_reports() {
        let prober = Arc::new(Counting {
            now: AtomicUsize::new(0),
            most: AtomicUsize::new(0),
            together: std::sync::Barrier::new(3),
        });
        let mut pool = ProbePool::new(Readiness {
            prober: prober.clone(),
            parallel: 3,
        });
        for id in 1..=9 {
            pool.start(job(id));
        }
        let mut done = Vec::new();
        let mut stages = 0;
        while pool.running > 0 {
            for event in pool.next() {
                match event {
                    ProbeEvent::Stage { .. } => stages += 1,
                    ProbeEvent::Done { id, result, .. } => done.push((id, result.is_ok())),
                }
            }
        }
        done.sort();
        assert_eq!(done.len(), 9);
        assert!(done.iter().all(|(id, ok)| *ok == (id % 2 == 0)), "{done:?}");
        assert_eq!(stages, 9);
        assert_eq!(prober.most.load(Ordering::SeqCst), 3, "bounded by parallel");
        assert!(pool.workers.len() <= 3);
    }
}
