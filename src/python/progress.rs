//! A Python callable as a core [`Progress`]: `callback(done, total)`;
//! returning `False` cancels. Ctrl-C also cancels.
//!
//! The core runs with the GIL released; each report takes the GIL only for
//! the callback and the signal check, so QGIS's other Python threads go on.

use crate::progress::Progress;
use pyo3::prelude::*;
use std::sync::Mutex;

pub struct PyProgress {
    callback: Option<Py<PyAny>>,
    /// An exception raised by the callback or a signal, re-raised afterwards.
    error: Mutex<Option<PyErr>>,
}

impl PyProgress {
    pub fn new(callback: Option<Bound<'_, PyAny>>) -> Self {
        PyProgress { callback: callback.map(Bound::unbind), error: Mutex::new(None) }
    }

    /// The callback's or the signal's exception in place of the core's `Cancelled`.
    pub fn finish<T>(self, result: PyResult<T>) -> PyResult<T> {
        match self.error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some(error) if result.is_err() => Err(error),
            _ => result,
        }
    }

    fn keep(&self, error: PyErr) -> bool {
        *self.error.lock().unwrap_or_else(|e| e.into_inner()) = Some(error);
        false
    }
}

impl Progress for PyProgress {
    fn report(&self, done: usize, total: usize) -> bool {
        Python::attach(|py| {
            if let Err(e) = py.check_signals() {
                return self.keep(e);
            }
            let Some(callback) = &self.callback else { return true };
            match callback.bind(py).call1((done, total)) {
                // only an explicit False cancels
                Ok(answer) => !answer.is_instance_of::<pyo3::types::PyBool>() || answer.is_truthy().unwrap_or(true),
                Err(e) => self.keep(e),
            }
        })
    }
}
