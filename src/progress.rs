//! Progress reporting and cancellation for long work.
//!
//! The core splits long loops into chunks, runs each chunk in parallel and
//! reports between chunks from the calling thread, so a callback never runs
//! on a worker thread (the Python and QGIS callbacks rely on that).

use crate::error::{Error, Result};
use rayon::prelude::*;
use std::ops::Range;

static INTERRUPT_CHECK: std::sync::OnceLock<fn() -> bool> = std::sync::OnceLock::new();

/// Registers how to ask whether the user interrupted the work (Ctrl-C,
/// SIGTERM); the Python bindings ask Python's signal handlers.
pub fn set_interrupt_check(check: fn() -> bool) {
    let _ = INTERRUPT_CHECK.set(check);
}

/// Whether the user interrupted the work: asked before an output replaces
/// the previous one, so that an interrupted run leaves it as it was.
pub fn interrupted() -> bool {
    INTERRUPT_CHECK.get().is_some_and(|check| check())
}

/// Receives progress; returns `false` to ask the work to stop.
pub trait Progress {
    /// `done` of `total` items are finished.
    fn report(&self, done: usize, total: usize) -> bool;
}

/// Progress that is never shown and never cancels.
pub struct Silent;

impl Progress for Silent {
    fn report(&self, _done: usize, _total: usize) -> bool {
        true
    }
}

impl<F: Fn(usize, usize) -> bool> Progress for F {
    fn report(&self, done: usize, total: usize) -> bool {
        self(done, total)
    }
}

/// Calls `work` on consecutive ranges of `chunk` items covering `0..total`,
/// reporting after each. A chunk should take well under a second, so that a
/// cancel is answered quickly, and hold enough work to keep every core busy.
pub fn for_each_chunk(
    total: usize,
    chunk: usize,
    progress: &dyn Progress,
    mut work: impl FnMut(Range<usize>),
) -> Result<()> {
    let mut start = 0;
    while start < total {
        let end = (start + chunk).min(total);
        work(start..end);
        start = end;
        if !progress.report(start, total) {
            return Err(Error::Cancelled);
        }
    }
    Ok(())
}

/// Maps `f` over `0..total` in parallel, in order, reporting after each chunk.
pub fn par_map_chunked<T, F>(total: usize, chunk: usize, progress: &dyn Progress, f: F) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(usize) -> T + Sync,
{
    let mut out = Vec::with_capacity(total);
    for_each_chunk(total, chunk, progress, |range| out.par_extend(range.into_par_iter().map(&f)))?;
    Ok(out)
}
