//! Credits made from several threads at once must all reach the fake ledger's balance.

use std::future::Future;
use std::sync::atomic::AtomicU64;
use std::sync::{mpsc, Arc};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use ledger::{FakeLedger, Ledger};
use tokio::sync::Semaphore;

/// Wakes a thread parked in `block_on`.
struct Unpark(Thread);

impl Wake for Unpark {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs `future` to completion on the current thread, and calls `after_first_poll` after the
/// first poll, which runs the future to its first `.await` that waits.
fn block_on<F: Future>(future: F, after_first_poll: impl FnOnce()) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut after_first_poll = Some(after_first_poll);
    loop {
        let poll = future.as_mut().poll(&mut context);
        if let Some(notify) = after_first_poll.take() {
            notify();
        }
        match poll {
            Poll::Ready(output) => return output,
            Poll::Pending => std::thread::park(),
        }
    }
}

fn assert_send<T: Send>(_: &T) {}

#[test]
fn overlapping_credits_are_all_kept() {
    const WORKERS: u64 = 4;
    let ledger = Arc::new(FakeLedger {
        slots: Semaphore::new(0),
        balance: AtomicU64::new(0),
    });
    let (polled, first_polls) = mpsc::channel();
    std::thread::scope(|scope| {
        for _ in 0..WORKERS {
            // Each credit is made here and finished on another thread, so it must be `Send`.
            let credit = ledger.credit(1);
            assert_send(&credit);
            let polled = polled.clone();
            scope.spawn(move || block_on(credit, move || polled.send(()).unwrap()));
        }
        // No slot is free until every credit has started, so that all of them overlap.
        for _ in 0..WORKERS {
            first_polls.recv().unwrap();
        }
        ledger.slots.add_permits(1);
    });
    assert_eq!(block_on(ledger.balance(), || {}), WORKERS);
}
