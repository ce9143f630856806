//! Output layers and their schemas.
//!
//! Every job declares the layers it writes here: name, titles and abstracts
//! in Italian and English, how fine its rows are ([`Granularity`]), and per
//! field its kind, unit and [`Role`]. The schema is stored in the GeoPackage
//! beside the data (tables `capacitymetro_layers` and `capacitymetro_fields`)
//! so that publishing (privacy by role, WMS titles, field aliases), the QGIS
//! plugin and the public page read it instead of keeping their own lists.
//! The texts in the other languages ([`i18n`]) are stored beside them
//! (table `capacitymetro_translations`).

pub mod columns;
pub mod geopackage;
pub mod i18n;
pub mod services;
pub mod styles;

pub use columns::LayerColumns;
pub use geopackage::{add_to_geopackage, replace_atomically, write_geopackage};

use serde::Serialize;

/// A value of an output field.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Real(f64),
    Integer(i64),
    Null,
}

impl Value {
    /// Text, or NULL for an empty string.
    pub fn text(s: &str) -> Value {
        if s.is_empty() {
            Value::Null
        } else {
            Value::Text(s.to_string())
        }
    }

    /// The value as a layer stores it: `None` for NULL, which a number that
    /// is not finite is too.
    pub fn stored(&self) -> Option<&Value> {
        match self {
            Value::Null => None,
            Value::Real(v) if !v.is_finite() => None,
            value => Some(value),
        }
    }
}

/// The storage type of an output field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    Text,
    Real,
    Integer,
}

/// What a field means, which decides how it is published.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A stable key of the row.
    Id,
    /// A readable name.
    Label,
    /// A category id of the vocabulary.
    Category,
    /// A number of people: small values are suppressed when published.
    CountOfPeople,
    /// A number of services.
    CountOfServices,
    TravelTime,
    Distance,
    /// An accessibility index (supply per person).
    Index,
    Rank,
    /// A public attribute of a service desk (contact data, hours, ...).
    Attribute,
}

/// How fine a layer's rows are, which decides whether it may be public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// One row per service desk: public contact data, no person.
    Service,
    /// One row per demand unit that is finer than the zones: never public.
    Unit,
    /// One row per zone (or per zone and category): public, small counts suppressed.
    Zone,
    /// Totals over the whole area.
    Total,
    /// Places or areas drawn from the services or candidates, with no count of people finer than a zone.
    Place,
}

/// One field of an output layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldSchema {
    pub name: String,
    pub kind: FieldKind,
    pub role: Role,
    /// `min`, `m`, `persons`, ...; `None` for text.
    pub unit: Option<&'static str>,
    pub title_it: String,
    pub title_en: String,
}

impl FieldSchema {
    pub fn new(
        name: impl Into<String>,
        kind: FieldKind,
        role: Role,
        unit: Option<&'static str>,
        title_it: impl Into<String>,
        title_en: impl Into<String>,
    ) -> Self {
        FieldSchema { name: name.into(), kind, role, unit, title_it: title_it.into(), title_en: title_en.into() }
    }
}

/// An output layer's description.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LayerSchema {
    pub name: String,
    pub granularity: Granularity,
    pub title_it: String,
    pub title_en: String,
    pub abstract_it: String,
    pub abstract_en: String,
    pub fields: Vec<FieldSchema>,
}

/// A layer to write: its schema, then rows of an optional geometry and one value per field.
pub struct OutputLayer {
    pub schema: LayerSchema,
    /// `None` for a table without geometry.
    pub geometry: Option<GeometryKind>,
    pub rows: Vec<(Option<geo::Geometry<f64>>, Vec<Value>)>,
    /// Styles stored in the GeoPackage's `layer_styles` table.
    pub styles: Vec<styles::LayerStyle>,
}

impl OutputLayer {
    /// Checks that every row has one value per field.
    pub fn check_rows(&self) -> crate::Result<()> {
        let fields = self.schema.fields.len();
        match self.rows.iter().position(|(_, values)| values.len() != fields) {
            None => Ok(()),
            Some(n) => Err(crate::Error::input(
                &self.schema.name,
                None,
                None,
                format!("row {n} has {} values for {fields} fields", self.rows[n].1.len()),
            )),
        }
    }

    /// A row's geometry as the layer stores it (a polygon in a multipolygon
    /// layer becomes a multipolygon), for GDAL.
    pub fn stored_geometry(&self, geometry: &geo::Geometry<f64>) -> gdal::errors::Result<gdal::vector::Geometry> {
        use gdal::vector::ToGdal;
        match (self.geometry, geometry) {
            (Some(GeometryKind::MultiPolygon), geo::Geometry::Polygon(p)) => {
                geo::MultiPolygon(vec![p.clone()]).to_gdal()
            }
            _ => geometry.to_gdal(),
        }
    }
}

/// The geometry type of an output layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    Point,
    LineString,
    MultiPolygon,
    Unknown,
}
