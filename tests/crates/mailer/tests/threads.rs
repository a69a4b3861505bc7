use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use mailer::doubles::{FakeMetrics, MockMailer};
use mailer::sign_up;

#[test]
fn parallel_sign_ups_are_all_recorded() {
    let mailer = Arc::new(MockMailer::default());
    let metrics = Arc::new(FakeMetrics { signups: AtomicUsize::new(0) });
    std::thread::scope(|scope| {
        for worker in 0..4 {
            let (mailer, metrics) = (Arc::clone(&mailer), Arc::clone(&metrics));
            scope.spawn(move || {
                for n in 0..500 {
                    sign_up(&format!("user{worker}-{n}"), &*mailer, &*metrics);
                }
            });
        }
    });
    assert_eq!(mailer.sent.borrow().len(), 2000);
    assert!(mailer.sent.borrow().iter().any(|(to, _)| to == "user3-499"));
    assert_eq!(metrics.signups.load(Ordering::SeqCst), 2000);
}
