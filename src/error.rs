//! Errors of the core. Every problem with input data names the layer, the
//! feature and the field, so that a GIS technician can find and fix it.

use std::fmt;

/// Where a problem is and what it is: one line a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Layer (or file) name.
    pub layer: String,
    /// Feature identifier (the `id` field, or `fid N` when there is none).
    pub feature: Option<String>,
    /// Field name, or `geometry`.
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn new(layer: &str, feature: Option<String>, field: Option<&str>, message: impl Into<String>) -> Self {
        Problem { layer: layer.to_string(), feature, field: field.map(str::to_string), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "layer '{}'", self.layer)?;
        if let Some(feature) = &self.feature {
            write!(f, ", feature '{feature}'")?;
        }
        if let Some(field) = &self.field {
            write!(f, ", field '{field}'")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The error type of every fallible core function.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Bad input data: a missing file, an empty layer, a wrong field, a bad value.
    #[error("{0}")]
    Input(Problem),
    /// The service catalogue has problems; all of them are listed at once.
    #[error("{} problem(s) in the service catalogue:\n  {}", .0.len(), join_lines(.0))]
    Catalogue(Vec<Problem>),
    /// Request records have problems; all of them are listed at once.
    #[error("{} problem(s) in the request records:\n  {}", .0.len(), join_lines(.0))]
    Records(Vec<Problem>),
    /// A coordinate reference system is missing, unknown or unsuitable.
    #[error("CRS: {0}")]
    Crs(String),
    /// A parameter value is out of range.
    #[error("parameter '{name}': {message}")]
    Parameter { name: String, message: String },
    /// Reading or writing a file failed.
    #[error("{path}: {message}")]
    Io { path: String, message: String },
    /// The caller asked to stop.
    #[error("cancelled")]
    Cancelled,
    /// A bug: the work stopped where it should not have.
    #[error("internal error ({0}); please report it with the command and data that caused it")]
    Internal(String),
}

fn join_lines(problems: &[Problem]) -> String {
    problems.iter().map(Problem::to_string).collect::<Vec<_>>().join("\n  ")
}

impl Error {
    pub fn input(layer: &str, feature: Option<String>, field: Option<&str>, message: impl Into<String>) -> Self {
        Error::Input(Problem::new(layer, feature, field, message))
    }

    pub fn parameter(name: &str, message: impl Into<String>) -> Self {
        Error::Parameter { name: name.to_string(), message: message.into() }
    }

    pub fn io(path: impl fmt::Display, message: impl fmt::Display) -> Self {
        Error::Io { path: path.to_string(), message: message.to_string() }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
