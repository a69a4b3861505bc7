//! An upload client and the fake that its tests share between threads.

use std::cell::RefCell;

use tokio::sync::Semaphore;

/// Uploads files; the client under test calls it from many tasks at once.
pub trait Uploader {
    fn upload(&self, name: &str) -> impl std::future::Future<Output = ()> + Send;
}

/// Records uploads in order. The semaphore stands for the network's capacity, and the log stays
/// borrowed while an upload waits for a slot, so that the log order is the order of the slots.
pub struct FakeUploader {
    slots: Semaphore,
    uploaded: RefCell<Vec<String>>,
}

impl FakeUploader {
    pub fn new(slots: usize) -> Self {
        FakeUploader {
            slots: Semaphore::new(slots),
            uploaded: RefCell::new(Vec::new()),
        }
    }

    pub async fn count(&self) -> usize {
        self.uploaded.borrow().len()
    }
}

impl Uploader for FakeUploader {
    async fn upload(&self, name: &str) {
        let mut uploaded = self.uploaded.borrow_mut();
        let _slot = self.slots.acquire().await.expect("the semaphore is never closed");
        uploaded.push(name.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};
    use std::thread::Thread;

    /// Wakes a thread parked in `block_on`.
    struct Unpark(Thread);

    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }

    /// Runs `future` to completion on the current thread.
    fn block_on<F: Future>(future: F) -> F::Output {
        let mut future = std::pin::pin!(future);
        let waker = Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut context = Context::from_waker(&waker);
        loop {
            match future.as_mut().poll(&mut context) {
                Poll::Ready(output) => return output,
                Poll::Pending => std::thread::park(),
            }
        }
    }

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn uploads_from_every_thread_are_recorded() {
        let uploader = Arc::new(FakeUploader::new(2));
        let upload = uploader.upload("probe");
        assert_send(&upload);
        block_on(upload);
        std::thread::scope(|scope| {
            for worker in 0..4 {
                let uploader = Arc::clone(&uploader);
                scope.spawn(move || {
                    for n in 0..100 {
                        block_on(uploader.upload(&format!("{worker}-{n}")));
                    }
                });
            }
        });
        assert_eq!(block_on(uploader.count()), 401);
    }
}
