//! Warnings about input that is accepted but looks wrong, gathered on the
//! calling thread while a call runs; the bindings hand them to Python's
//! `warnings` (the CLI prints one line each, QGIS shows them in its log).

use std::cell::RefCell;

thread_local! {
    static WARNINGS: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// Records a warning for the current call.
pub fn warn(message: String) {
    WARNINGS.with(|w| w.borrow_mut().push(message));
}

/// The warnings recorded since the last call, oldest first.
pub fn take() -> Vec<String> {
    WARNINGS.with(|w| std::mem::take(&mut *w.borrow_mut()))
}
