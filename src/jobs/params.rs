//! The parameter table: every option of every job, declared once.
//!
//! A job's options struct is written with [`job_options!`]: each field's doc
//! comment is its English help, its initialiser is its default (the struct's
//! only `Default`), and a `#[param(...)]` line adds the kind, unit, limits
//! and Italian help. The Python API, the command line and the QGIS plugin all
//! read the table this produces ([`Parameter`]), so none of them restates a
//! name, a default or a help text.

use crate::error::{Error, Result};
use serde::Serialize;
use serde_json::Value;

/// What a parameter holds, and so how each consumer asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A vector layer: a file path (any OGR source).
    Layer,
    /// The name of a field of the layer named by `parent`.
    Field,
    /// An input file that is not a vector layer (a network).
    File,
    /// Several input files (GTFS feeds).
    Files,
    /// A GeoPackage to write.
    Output,
    /// A folder to write.
    Folder,
    Number,
    Integer,
    Bool,
    Text,
    /// One of `choices`.
    Choice,
    /// One category id of the vocabulary.
    Category,
    /// Category ids of the vocabulary; all when empty.
    Categories,
    /// A list of numbers.
    Numbers,
    /// A list of `[number, number]` pairs.
    Pairs,
}

/// One option of a job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Parameter {
    pub name: &'static str,
    pub kind: Kind,
    /// The default, as JSON (`null`: none, and optional unless `required`).
    pub default: Value,
    /// Must be given (no default makes sense).
    pub required: bool,
    /// Unit of a number, e.g. `min`, `m`, `m/s`.
    pub unit: Option<&'static str>,
    /// The allowed values of a `Choice`.
    pub choices: Vec<&'static str>,
    /// For a `Field`: the layer parameter it belongs to.
    pub parent: Option<&'static str>,
    /// For a `Layer`: the geometry it takes (`point`, `point_or_polygon`, `polygon`, `line`).
    pub geometry: Option<&'static str>,
    /// Numbers (and every number of a list) must be at least this.
    pub min: Option<f64>,
    /// Numbers must be greater than `min`, not equal to it.
    pub exclusive_min: bool,
    /// Rarely changed: forms show it among the advanced parameters.
    pub advanced: bool,
    pub max: Option<f64>,
    pub help_en: String,
    pub help_it: &'static str,
}

impl Parameter {
    /// A parameter with only its name, default and English help; the
    /// setters below fill in the rest.
    pub fn new(name: &'static str, default: Value, help_en: &str) -> Self {
        Parameter {
            name,
            kind: Kind::Text,
            default,
            required: false,
            unit: None,
            choices: Vec::new(),
            parent: None,
            geometry: None,
            min: None,
            exclusive_min: false,
            advanced: false,
            max: None,
            help_en: help_en.split_whitespace().collect::<Vec<_>>().join(" "),
            help_it: "",
        }
    }
    pub fn kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }
    pub fn required(mut self, required: bool) -> Self {
        self.required = required;
        self
    }
    pub fn unit(mut self, unit: &'static str) -> Self {
        self.unit = Some(unit);
        self
    }
    pub fn choices(mut self, choices: &[&'static str]) -> Self {
        self.choices = choices.to_vec();
        self
    }
    pub fn parent(mut self, parent: &'static str) -> Self {
        self.parent = Some(parent);
        self
    }
    pub fn geometry(mut self, geometry: &'static str) -> Self {
        self.geometry = Some(geometry);
        self
    }
    pub fn min(mut self, min: f64) -> Self {
        self.min = Some(min);
        self
    }
    /// Greater than `min` (a positive time or distance: `positive(0.0)`).
    pub fn positive(mut self, min: f64) -> Self {
        self.min = Some(min);
        self.exclusive_min = true;
        self
    }
    pub fn max(mut self, max: f64) -> Self {
        self.max = Some(max);
        self
    }
    pub fn advanced(mut self, advanced: bool) -> Self {
        self.advanced = advanced;
        self
    }
    pub fn it(mut self, help: &'static str) -> Self {
        self.help_it = help;
        self
    }

    /// A value as messages show it: text in single quotes, anything else as JSON.
    fn show(value: &Value) -> String {
        match value.as_str() {
            Some(text) => format!("'{text}'"),
            None => value.to_string(),
        }
    }

    /// Checks a value given for this parameter: its JSON type, its range,
    /// its choices. The message names the parameter.
    pub fn check(&self, value: &Value) -> Result<()> {
        let fail = |message: String| Err(Error::parameter(self.name, message));
        if value.is_null() {
            return if self.required { fail("is required".into()) } else { Ok(()) };
        }
        let number = |v: &Value| -> Result<f64> {
            match v.as_f64() {
                Some(x) if x.is_finite() => self.check_range(x).map(|_| x),
                _ => Err(Error::parameter(self.name, format!("{} is not a number", Self::show(v)))),
            }
        };
        match self.kind {
            Kind::Layer | Kind::Field | Kind::File | Kind::Output | Kind::Folder | Kind::Text | Kind::Category => {
                if !value.is_string() {
                    return fail(format!("{} is not text", Self::show(value)));
                }
            }
            Kind::Choice => match value.as_str() {
                Some(s) if self.choices.contains(&s) => {}
                _ => return fail(format!("{} is not one of {}", Self::show(value), self.choices.join(", "))),
            },
            Kind::Number => {
                number(value)?;
            }
            Kind::Integer => {
                if value.as_i64().is_none() {
                    return fail(format!("{} is not a whole number", Self::show(value)));
                }
                number(value)?;
            }
            Kind::Bool => {
                if !value.is_boolean() {
                    return fail(format!("{} is not true or false", Self::show(value)));
                }
            }
            Kind::Files => {
                if !value.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
                    return fail(format!("{} is not a list of files", Self::show(value)));
                }
            }
            Kind::Categories => {
                if !value.as_array().is_some_and(|a| a.iter().all(Value::is_string)) {
                    return fail(format!("{} is not a list of category ids", Self::show(value)));
                }
            }
            Kind::Numbers => match value.as_array() {
                Some(list) if !list.is_empty() => {
                    for v in list {
                        number(v)?;
                    }
                }
                _ => return fail(format!("{} is not a non-empty list of numbers", Self::show(value))),
            },
            Kind::Pairs => match value.as_array() {
                Some(list) if !list.is_empty() => {
                    for pair in list {
                        match pair.as_array().map(Vec::as_slice) {
                            Some([a, b])
                                if a.as_f64().is_some_and(f64::is_finite) && b.as_f64().is_some_and(f64::is_finite) => {
                            }
                            _ => return fail(format!("{} is not a pair of numbers", Self::show(pair))),
                        }
                    }
                }
                _ => return fail(format!("{} is not a non-empty list of pairs", Self::show(value))),
            },
        }
        Ok(())
    }

    fn check_range(&self, x: f64) -> Result<()> {
        if let Some(min) = self.min {
            if (self.exclusive_min && x <= min) || x < min {
                let relation = if self.exclusive_min { "greater than" } else { "at least" };
                return Err(Error::parameter(self.name, format!("{x} must be {relation} {min}")));
            }
        }
        if let Some(max) = self.max {
            if x > max {
                return Err(Error::parameter(self.name, format!("{x} must be at most {max}")));
            }
        }
        Ok(())
    }
}

/// Options of a job: a table of parameters, filled from JSON-like values.
pub trait JobOptions: Sized + Default + Serialize + serde::de::DeserializeOwned {
    /// Every parameter, in the order a form shows them.
    fn parameters() -> Vec<Parameter>;

    /// Options from named values: unknown names are refused, every value
    /// is checked against the table, missing ones take their default.
    fn from_values(values: &serde_json::Map<String, Value>) -> Result<Self> {
        let table = Self::parameters();
        for name in values.keys() {
            if !table.iter().any(|p| p.name == name) {
                let known: Vec<&str> = table.iter().map(|p| p.name).collect();
                return Err(Error::parameter(name, format!("unknown option (options: {})", known.join(", "))));
            }
        }
        let mut complete =
            serde_json::to_value(Self::default()).map_err(|e| Error::parameter("options", e.to_string()))?;
        let fields = complete.as_object_mut().expect("options serialise to a map");
        // A flattened member serialises its fields at the top level too.
        for parameter in &table {
            let value = values.get(parameter.name).unwrap_or(&parameter.default);
            parameter.check(value)?;
            fields.insert(parameter.name.to_string(), value.clone());
        }
        serde_json::from_value(complete).map_err(|e| Error::parameter("options", e.to_string()))
    }
}

/// Declares a job's options struct, its `Default` and its parameter table.
///
/// ```ignore
/// job_options! {
///     /// Options of the thing.
///     pub struct ThingOptions {
///         flatten { services: ServicesInput }
///         /// Count services within this time.
///         #[param(kind(Kind::Number), unit("min"), positive(0.0), it("Conta i servizi entro"))]
///         pub count_within_minutes: f64 = 30.0,
///     }
/// }
/// ```
#[macro_export]
macro_rules! job_options {
    (
        $(#[doc = $struct_doc:literal])*
        pub struct $name:ident {
            flatten { $($member:ident : $member_ty:ty),* $(,)? }
            $(
                $(#[doc = $doc:literal])*
                #[param($($setter:ident($($arg:expr),*)),* $(,)?)]
                pub $field:ident : $ty:ty = $default:expr,
            )*
        }
    ) => {
        $(#[doc = $struct_doc])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(default)]
        pub struct $name {
            $(
                #[serde(flatten)]
                pub $member: $member_ty,
            )*
            $(
                $(#[doc = $doc])*
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $($member: <$member_ty>::default(),)*
                    $($field: $default,)*
                }
            }
        }

        impl $crate::jobs::params::JobOptions for $name {
            fn parameters() -> Vec<$crate::jobs::params::Parameter> {
                #[allow(unused_mut)]
                let mut table = Vec::new();
                $(table.extend(<$member_ty as $crate::jobs::params::JobOptions>::parameters());)*
                let defaults = serde_json::to_value(Self::default()).expect("options serialise");
                $(
                    table.push(
                        $crate::jobs::params::Parameter::new(
                            stringify!($field),
                            defaults[stringify!($field)].clone(),
                            concat!($($doc, " "),*),
                        )
                        $(.$setter($($arg),*))*
                    );
                )*
                table
            }
        }
    };
}
