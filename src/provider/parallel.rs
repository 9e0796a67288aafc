//! Independent requests at once: up to the budget's in-flight limit, on scoped threads sharing the one
//! HTTP agent, with results given back in the order of the inputs.

use super::client::Client;

impl Client {
    /// Runs `job` for every item, at most [`Client::max_in_flight`] at once; the results in item order.
    pub fn each_parallel<T, R>(&self, items: &[T], job: impl Fn(&T) -> R + Sync) -> Vec<R>
    where
        T: Sync,
        R: Send,
    {
        crate::parallel::run_bounded(items, self.max_in_flight(), job)
    }
}
