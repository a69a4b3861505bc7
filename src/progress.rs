//! The progress bar of a check run on stderr.
//!
//! Most runs end in well under a second, and a bar that flashes by is noise, so the bar stays
//! hidden for the first `SHOW_AFTER` and only then appears. It never appears when stderr is not a
//! terminal, with `--quiet`, or with `--debug`, whose log lines would be drawn over.

use std::sync::{mpsc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar on screen, if one is, which log lines are written around.
static SHOWN: Mutex<Option<ProgressBar>> = Mutex::new(None);

/// Runs `write`, which prints to stderr, with the progress bar on screen hidden meanwhile, so that
/// the bar's next redraw does not overwrite what `write` printed.
pub fn suspend_for<R>(write: impl FnOnce() -> R) -> R {
    let shown = SHOWN.lock().unwrap_or_else(PoisonError::into_inner).clone();
    match shown {
        Some(bar) => bar.suspend(write),
        None => write(),
    }
}

/// How long a run goes on before its progress bar appears.
const SHOW_AFTER: Duration = Duration::from_secs(1);

/// How often a shown bar is redrawn, so that its spinner and clock move while no file finishes.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

/// The progress of one run: files checked out of those found, then the steps after the check.
pub struct Progress {
    bar: ProgressBar,
    /// Dropped by `finish` to wake the thread that would show the bar.
    stop: Option<mpsc::Sender<()>>,
    shower: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts the progress of a run; `enabled` is false with `--quiet` or `--debug`. The bar is
    /// drawn only when stderr is a terminal and the run lasts longer than `SHOW_AFTER`.
    pub fn start(enabled: bool) -> Progress {
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed}] {wide_bar} {pos}/{len}")
                .expect("the template is valid")
                .progress_chars("=> "),
        );
        bar.set_message("checking files");
        let target = ProgressDrawTarget::stderr();
        if !enabled || target.is_hidden() {
            return Progress {
                bar,
                stop: None,
                shower: None,
            };
        }
        let (stop, stopped) = mpsc::channel::<()>();
        let shown = bar.clone();
        let shower = std::thread::spawn(move || {
            // `finish` drops the sender, which ends the wait early, and then nothing is drawn.
            if stopped.recv_timeout(SHOW_AFTER) == Err(mpsc::RecvTimeoutError::Timeout) {
                shown.set_draw_target(target);
                shown.enable_steady_tick(REDRAW_EVERY);
                *SHOWN.lock().unwrap_or_else(PoisonError::into_inner) = Some(shown);
            }
        });
        Progress {
            bar,
            stop: Some(stop),
            shower: Some(shower),
        }
    }

    /// Sets how many files the run checks.
    pub fn set_total(&self, files: usize) {
        self.bar.set_length(files as u64);
    }

    /// Counts one more file checked.
    pub fn file_done(&self) {
        self.bar.inc(1);
    }

    /// Names the step that runs after the files are checked, such as writing them.
    pub fn set_step(&self, step: &'static str) {
        self.bar.set_message(step);
    }

    /// Removes the bar, if it was shown, before the run prints its results.
    pub fn finish(&mut self) {
        drop(self.stop.take());
        if let Some(shower) = self.shower.take() {
            // A panic in that thread would only leave the bar hidden, so its result is ignored.
            let _ = shower.join();
        }
        SHOWN.lock().unwrap_or_else(PoisonError::into_inner).take();
        self.bar.finish_and_clear();
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_progress_counts_without_drawing() {
        let mut progress = Progress::start(false);
        progress.set_total(2);
        progress.file_done();
        progress.file_done();
        assert!(progress.bar.is_hidden());
        assert_eq!(progress.bar.position(), 2);
        progress.finish();
        assert!(progress.bar.is_finished());
    }
}
