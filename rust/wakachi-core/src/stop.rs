//! How a caller asks a long run to stop (Ctrl-C in the bindings).

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Error, Result};

/// How a caller asks a long run to stop (Ctrl-C): asked after every batch and while a read from
/// standard input is interrupted by a signal, always on the calling thread. A run that stops
/// returns [`Error::Interrupted`].
pub struct Stop<'a> {
    ask: Option<&'a (dyn Fn() -> bool + Sync)>,
    stopped: AtomicBool,
}

impl<'a> Stop<'a> {
    /// Never stops.
    pub fn never() -> Self {
        Stop { ask: None, stopped: AtomicBool::new(false) }
    }

    /// Stops once `ask` returns true.
    pub fn when(ask: &'a (dyn Fn() -> bool + Sync)) -> Self {
        Stop { ask: Some(ask), stopped: AtomicBool::new(false) }
    }

    /// Whether the caller has asked to stop (asks again unless it already has).
    pub fn requested(&self) -> bool {
        if self.stopped.load(Ordering::Relaxed) {
            return true;
        }
        let stop = self.ask.is_some_and(|f| f());
        if stop {
            self.stopped.store(true, Ordering::Relaxed);
        }
        stop
    }

    /// `Err(Error::Interrupted)` when the caller has asked to stop.
    pub fn check(&self) -> Result<()> {
        if self.requested() {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    }
}
