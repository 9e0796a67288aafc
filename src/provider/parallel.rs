//! Independent requests at once: up to the budget's in-flight limit, on scoped threads sharing the one
//! HTTP agent (no async runtime), with results given back in the order of the inputs.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::client::Client;

impl Client {
    /// Runs `job` for every item, at most [`Client::max_in_flight`] at once; the results in item order.
    pub fn each_parallel<T, R>(&self, items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R>
    where
        T: Sync,
        R: Send,
    {
        let workers = self.max_in_flight().min(items.len());
        if workers <= 1 {
            return items.iter().map(&job).collect();
        }
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        let result = job(item);
                        results
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner)[i] = Some(result);
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .into_iter()
            .map(|r| r.expect("every item was run"))
            .collect()
    }
}
