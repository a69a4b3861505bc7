//! A ledger client's interface and the fake ledger that its tests share between threads.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Semaphore;

/// Credits an account. The client under test calls it from many tasks at once.
pub trait Ledger {
    fn credit(&self, amount: u64) -> impl Future<Output = ()> + Send;
}

/// A ledger with one balance. A credit reads the balance, waits for a slot of `slots`, which
/// models the network's capacity, and then writes the new balance.
pub struct FakeLedger {
    pub slots: Semaphore,
    pub balance: AtomicU64,
}

impl FakeLedger {
    pub async fn balance(&self) -> u64 {
        self.balance.load(Ordering::SeqCst)
    }
}

impl Ledger for FakeLedger {
    async fn credit(&self, amount: u64) {
        let balance = self.balance.load(Ordering::SeqCst);
        let _slot = self.slots.acquire().await.expect("the semaphore is never closed");
        self.balance.store(balance + amount, Ordering::SeqCst);
    }
}
