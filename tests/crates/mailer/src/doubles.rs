use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::{Mailer, Metrics};

/// Records every message instead of sending it.
#[derive(Default)]
pub struct MockMailer {
    pub sent: RefCell<Vec<(String, String)>>,
}

impl Mailer for MockMailer {
    fn send(&self, to: &str, body: &str) {
        self.sent.borrow_mut().push((to.to_string(), body.to_string()));
    }
}

/// Counts sign-ups in an atomic, read and written back in two steps.
pub struct FakeMetrics {
    pub signups: AtomicUsize,
}

impl Metrics for FakeMetrics {
    fn signed_up(&self) {
        let seen = self.signups.load(Ordering::SeqCst);
        std::thread::yield_now();
        self.signups.store(seen + 1, Ordering::SeqCst);
    }
}
