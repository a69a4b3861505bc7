//! A signup service and the test doubles its tests share between threads.

pub mod doubles;

/// Sends mail for the service.
pub trait Mailer: Send + Sync {
    fn send(&self, to: &str, body: &str);
}

/// Counts sign-ups.
pub trait Metrics: Send + Sync {
    fn signed_up(&self);
}

/// Signs users up and welcomes them.
pub fn sign_up(user: &str, mailer: &dyn Mailer, metrics: &dyn Metrics) {
    mailer.send(user, &format!("welcome, {user}"));
    metrics.signed_up();
}
