//! Bounded parallelism on scoped threads (no async runtime): at most N workers, each taking the next item
//! until none is left, results in item order. `exec` fans out to hosts with it, `provider` its requests.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Runs `work` on every item with at most `parallel` running at once; results come back in item order.
pub fn run_bounded<T: Sync, R: Send>(
    items: &[T],
    parallel: usize,
    work: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    let workers = parallel.clamp(1, items.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(index) else {
                        break;
                    };
                    let result = work(item);
                    results
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)[index] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .map(|r| r.expect("every index below len is taken by exactly one worker"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Barrier, Condvar};
    use std::time::Duration;

    #[test]
    fn returns_results_in_item_order() {
        let items: Vec<u32> = (0..50).collect();
        assert_eq!(
            run_bounded(&items, 7, |n| n * 2),
            items.iter().map(|n| n * 2).collect::<Vec<_>>()
        );
        assert!(run_bounded(&Vec::<u32>::new(), 10, |n| *n).is_empty());
    }

    /// The bound holds, and it is reached: the workers really run at the same time.
    #[test]
    fn never_more_than_parallel_at_once_and_reaches_it() {
        let running = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        // The first 4 items wait for each other: this only finishes if 4 run concurrently.
        let barrier = Barrier::new(4);
        let items: Vec<usize> = (0..20).collect();
        run_bounded(&items, 4, |i| {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            if *i < 4 {
                barrier.wait();
            }
            running.fetch_sub(1, Ordering::SeqCst);
        });
        assert_eq!(peak.load(Ordering::SeqCst), 4);
    }

    #[test]
    fn a_slow_item_does_not_hold_up_the_others() {
        // Item 0 blocks until every other item is done; with one worker per slot that cannot deadlock.
        let done = Mutex::new(0usize);
        let all_done = Condvar::new();
        let items: Vec<usize> = (0..10).collect();
        run_bounded(&items, 2, |i| {
            let mut count = done.lock().unwrap();
            if *i == 0 {
                while *count < 9 {
                    count = all_done
                        .wait_timeout(count, Duration::from_secs(10))
                        .unwrap()
                        .0;
                }
            } else {
                *count += 1;
                all_done.notify_all();
            }
        });
        assert_eq!(*done.lock().unwrap(), 9);
    }
}
