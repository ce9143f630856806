//! A Python callable as a core [`Progress`]: `callback(done, total)`;
//! returning `False` cancels. Ctrl-C also cancels.

use crate::progress::Progress;
use pyo3::prelude::*;
use std::cell::RefCell;

pub struct PyProgress<'py> {
    py: Python<'py>,
    callback: Option<Bound<'py, PyAny>>,
    /// An exception raised by the callback or a signal, re-raised afterwards.
    pub error: RefCell<Option<PyErr>>,
}

impl<'py> PyProgress<'py> {
    pub fn new(py: Python<'py>, callback: Option<Bound<'py, PyAny>>) -> Self {
        PyProgress { py, callback, error: RefCell::new(None) }
    }

    /// The callback's or the signal's exception in place of the core's `Cancelled`.
    pub fn finish<T>(self, result: PyResult<T>) -> PyResult<T> {
        match self.error.into_inner() {
            Some(error) if result.is_err() => Err(error),
            _ => result,
        }
    }
}

impl Progress for PyProgress<'_> {
    fn report(&self, done: usize, total: usize) -> bool {
        if let Err(e) = self.py.check_signals() {
            *self.error.borrow_mut() = Some(e);
            return false;
        }
        let Some(callback) = &self.callback else { return true };
        match callback.call1((done, total)) {
            Ok(answer) => !(answer.is_instance_of::<pyo3::types::PyBool>() && !answer.is_truthy().unwrap_or(true)),
            Err(e) => {
                *self.error.borrow_mut() = Some(e);
                false
            }
        }
    }
}
