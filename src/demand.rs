//! The demand model: where people live, how many, in which zone.
//!
//! # Units
//! Points in metres of the working CRS; population in persons.

use crate::crs::WorkingCrs;
use crate::error::{Error, Result};
use crate::io::{geometry_kind, project, read_layer, LayerSource, SourceLayer};
use crate::output::{FieldKind, FieldSchema, Role, Value};
use geo::InteriorPoint;
use std::collections::HashMap;

/// Which fields of a demand layer to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandFields {
    /// Population (persons), finite and not negative; when `None`, the one
    /// numeric field named like a population (see [`population_field`]).
    pub population: Option<String>,
    /// Stable identifier; the feature id when `None`.
    pub id: Option<String>,
    /// Readable name; when `None`, a field called like one (see `NAME_NAMES`), else the identifier.
    pub name: Option<String>,
    /// Zone (e.g. municipality) the unit belongs to; the unit itself when `None`.
    pub zone: Option<String>,
}

/// Demand units in the working CRS.
///
/// # Units
/// `points` in metres of the working CRS; `population` in persons.
pub struct Demand {
    pub layer: String,
    pub ids: Vec<String>,
    pub names: Vec<String>,
    /// One point per unit: the point itself, or a point guaranteed inside a polygon.
    pub points: Vec<[f64; 2]>,
    pub population: Vec<f64>,
    /// The unit's own geometry, reprojected.
    pub geometries: Vec<geo::Geometry<f64>>,
    /// The zone of each unit (the `aggregate_by` field), or its id when there is none.
    pub zones: Vec<String>,
    /// Whether the units are the zones themselves (each unit its own zone,
    /// drawn by its zone polygon, or one unit per zone), so that unit-level
    /// results are as coarse as the zones.
    pub units_are_zones: bool,
}

impl Demand {
    /// The fields every demand output layer starts with: id, name, population.
    pub fn unit_fields() -> Vec<FieldSchema> {
        vec![
            FieldSchema::new("id", FieldKind::Text, Role::Id, None, "Identificativo", "Identifier"),
            FieldSchema::new("name", FieldKind::Text, Role::Label, None, "Nome", "Name"),
            FieldSchema::new(
                "population",
                FieldKind::Real,
                Role::CountOfPeople,
                Some("persons"),
                "Residenti",
                "Residents",
            ),
        ]
    }

    /// Unit `i`'s values for [`Demand::unit_fields`].
    pub fn unit_values(&self, i: usize) -> Vec<Value> {
        vec![Value::Text(self.ids[i].clone()), Value::Text(self.names[i].clone()), Value::Real(self.population[i])]
    }
}

/// Names a population field is looked for under, lowercase, in order of preference.
const POPULATION_NAMES: [&str; 10] = [
    "population",
    "popolazione",
    "pop",
    "residenti",
    "residents",
    "abitanti",
    "inhabitants",
    "pop_tot",
    "poptot",
    "totale",
];
/// Beginnings of names that look like a population (pop2023, residenti_2022, ...).
const POPULATION_PREFIXES: [&str; 4] = ["pop", "resid", "abitant", "inhabit"];
/// Names a readable-name field is looked for under, lowercase, in order of preference.
const NAME_NAMES: [&str; 5] = ["name", "nome", "denominazione", "comune", "municipality"];
/// Names of identifiers, never a population.
const ID_NAMES: [&str; 6] = ["fid", "ogc_fid", "objectid", "id", "gid", "rowid"];

/// The population field: the one named, unless it is an identifier; else the
/// numeric field named like a population (an exact name first, then a single
/// field beginning like one).
pub fn population_field(layer: &SourceLayer, named: Option<&str>) -> Result<String> {
    let refuse = |field: &str, message: String| Error::input(&layer.name, None, Some(field), message);
    if let Some(field) = named {
        if ID_NAMES.contains(&field.to_lowercase().as_str()) {
            return Err(refuse(field, "is an identifier, not a number of residents: name the population field".into()));
        }
        return Ok(field.to_string());
    }
    let numeric = |field: &str| {
        layer
            .features
            .iter()
            .filter_map(|f| f.fields.get(field).cloned().flatten())
            .all(|v| v.trim().parse::<f64>().is_ok())
    };
    let candidates: Vec<&String> = layer.field_names.iter().filter(|f| numeric(f)).collect();
    let lower = |f: &String| f.to_lowercase();
    if let Some(name) = POPULATION_NAMES.iter().find_map(|n| candidates.iter().find(|f| lower(f) == *n)) {
        return Ok(name.to_string());
    }
    let prefixed: Vec<&str> = candidates
        .iter()
        .filter(|f| POPULATION_PREFIXES.iter().any(|p| lower(f).starts_with(p)))
        .map(|f| f.as_str())
        .collect();
    match prefixed.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(refuse(
            "population_field",
            format!("no numeric field is named like a population: name it (fields: {})", layer.field_names.join(", ")),
        )),
        several => Err(refuse(
            "population_field",
            format!("several fields look like a population ({}): name one", several.join(", ")),
        )),
    }
}

/// Reads demand units (points or polygons with a population field) and
/// each unit's zone.
pub fn read_demand(source: &LayerSource, fields: &DemandFields, working: &WorkingCrs) -> Result<Demand> {
    let layer = read_layer(source)?;
    for field in fields.population.iter().chain(&fields.id).chain(&fields.name).chain(&fields.zone) {
        layer.require_field(field)?;
    }
    let population_field = population_field(&layer, fields.population.as_deref())?;
    // a readable name when none is named: a field called like one, else the identifier
    let name_field = fields
        .name
        .clone()
        .or_else(|| NAME_NAMES.iter().find_map(|n| layer.field_names.iter().find(|f| f.to_lowercase() == *n)).cloned());
    let transformer = layer.transformer(working)?;
    let mut demand = Demand {
        layer: layer.name.clone(),
        ids: Vec::new(),
        names: Vec::new(),
        points: Vec::new(),
        population: Vec::new(),
        geometries: Vec::new(),
        zones: Vec::new(),
        units_are_zones: false,
    };
    for feature in &layer.features {
        let label = layer.label(feature, fields.id.as_deref());
        let fail = |field: &str, message: String| Error::input(&layer.name, Some(label.clone()), Some(field), message);
        let text = feature.fields.get(&population_field).cloned().flatten().unwrap_or_default();
        let population: f64 =
            text.trim().parse().map_err(|_| fail(&population_field, format!("'{text}' is not a number")))?;
        if !population.is_finite() || population < 0.0 {
            return Err(fail(&population_field, format!("population {text} must be a finite number >= 0")));
        }
        let geometry = feature.geometry.as_ref().ok_or_else(|| fail("geometry", "missing geometry".into()))?;
        let projected = project(geometry, &transformer)?;
        let inside = match &projected {
            geo::Geometry::Point(p) => Some(*p),
            geo::Geometry::Polygon(_) | geo::Geometry::MultiPolygon(_) | geo::Geometry::MultiPoint(_) => {
                projected.interior_point()
            }
            other => return Err(fail("geometry", format!("a {} is not a point or polygon", geometry_kind(other)))),
        }
        .ok_or_else(|| fail("geometry", "empty geometry".into()))?;
        demand.ids.push(label.clone());
        demand.names.push(
            name_field.as_ref().and_then(|f| feature.fields.get(f).cloned().flatten()).unwrap_or_else(|| label.clone()),
        );
        demand.points.push([inside.x(), inside.y()]);
        demand.population.push(population);
        demand.geometries.push(projected);
        let zone = fields.zone.as_ref().and_then(|f| feature.fields.get(f).cloned().flatten());
        demand.zones.push(zone.unwrap_or_else(|| label.clone()));
    }
    let distinct: std::collections::HashSet<&String> = demand.zones.iter().collect();
    demand.units_are_zones = fields.zone.is_some() && distinct.len() == demand.zones.len();
    Ok(demand)
}

/// Polygons that draw demand units on a map (e.g. municipality boundaries
/// joined by ISTAT code to town-centre points).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayPolygons {
    pub source: LayerSource,
    /// Field of the polygons layer matching the demand id.
    pub key_field: String,
}

impl DisplayPolygons {
    /// One polygon per demand unit, in the working CRS, by key. Units drawn
    /// by their zone's polygon are zones themselves.
    pub fn read(&self, demand: &mut Demand, working: &WorkingCrs) -> Result<Vec<geo::Geometry<f64>>> {
        let layer = read_layer(&self.source)?;
        layer.require_field(&self.key_field)?;
        let transformer = layer.transformer(working)?;
        let mut by_key = HashMap::new();
        for feature in &layer.features {
            if let (Some(Some(key)), Some(geometry)) = (feature.fields.get(&self.key_field), &feature.geometry) {
                by_key.insert(key.clone(), project(geometry, &transformer)?);
            }
        }
        let polygons = demand
            .ids
            .iter()
            .map(|id| {
                by_key.remove(id).ok_or_else(|| {
                    Error::input(&layer.name, None, Some(&self.key_field), format!("no polygon for demand unit '{id}'"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        demand.units_are_zones = true;
        Ok(polygons)
    }
}
