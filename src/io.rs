//! Reading layers from any OGR source and writing GeoPackage output.
//!
//! Inputs are read through GDAL, checked, and reprojected with PROJ to the
//! working CRS. Output is written to a temporary file beside the target and
//! moved into place only when complete, so a failed run never leaves a
//! half-written file or destroys the previous one.

use crate::catalogue::{self, RawFeature, Service};
use crate::crs::{choose_working_crs, definition_of, Transformer, WorkingCrs};
use crate::error::{Error, Result};
use gdal::spatial_ref::SpatialRef;
use gdal::vector::{Feature, FieldValue, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType, ToGdal};
use gdal::{Dataset, DatasetOptions, DriverManager, GdalOpenFlags};
use geo::{Centroid, InteriorPoint, MapCoords};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A layer of a data source: a file, and a layer name when it has several.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSource {
    pub path: PathBuf,
    pub layer: Option<String>,
}

impl LayerSource {
    pub fn new(path: impl Into<PathBuf>, layer: Option<&str>) -> Self {
        LayerSource { path: path.into(), layer: layer.map(str::to_string) }
    }
}

/// A layer read into memory, in its own CRS.
pub struct SourceLayer {
    /// Layer name, used in messages.
    pub name: String,
    /// The layer's CRS as a PROJ definition.
    pub crs: String,
    pub field_names: Vec<String>,
    pub features: Vec<SourceFeature>,
}

/// One feature: field values as text (`None` for null) and its geometry.
pub struct SourceFeature {
    pub fid: u64,
    pub fields: BTreeMap<String, Option<String>>,
    pub geometry: Option<geo::Geometry<f64>>,
}

/// Opens a layer and reads every feature. A CSV is read with its geometry
/// from `lon`/`lat` (or `longitude`/`latitude`, `x`/`y`) columns, in WGS 84.
pub fn read_layer(source: &LayerSource) -> Result<SourceLayer> {
    let path = &source.path;
    if !path.exists() {
        return Err(Error::io(path.display(), "no such file"));
    }
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let csv_options = ["X_POSSIBLE_NAMES=lon,longitude,x", "Y_POSSIBLE_NAMES=lat,latitude,y", "KEEP_GEOM_COLUMNS=NO"];
    let options = DatasetOptions {
        open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
        open_options: if is_csv { Some(&csv_options) } else { None },
        ..Default::default()
    };
    let dataset = Dataset::open_ex(path, options)
        .map_err(|e| Error::io(path.display(), format!("not a readable vector data source ({e})")))?;
    let mut layer = match &source.layer {
        Some(name) => dataset.layer_by_name(name).map_err(|_| {
            let names: Vec<String> = dataset.layers().map(|l| l.name()).collect();
            Error::io(path.display(), format!("no layer '{name}' (layers: {})", names.join(", ")))
        })?,
        None => dataset.layer(0).map_err(|_| Error::io(path.display(), "the data source has no layer"))?,
    };
    let name = layer.name();
    let field_names: Vec<String> = layer.defn().fields().map(|f| f.name()).collect();
    let has_geometry = layer.defn().geom_fields().count() > 0;
    let crs = match layer.spatial_ref() {
        Some(srs) => definition_of(&srs)?,
        None if is_csv && has_geometry => "EPSG:4326".to_string(),
        None if !has_geometry && is_csv => {
            return Err(Error::input(&name, None, None, "the CSV has no lon/lat (or longitude/latitude, x/y) columns"))
        }
        None => {
            return Err(Error::Crs(format!(
                "layer '{name}' has no CRS: assign one (a .prj file, or Layer Properties > Source in QGIS) and try again"
            )))
        }
    };
    let mut features = Vec::new();
    for (n, feature) in layer.features().enumerate() {
        let fid = feature.fid().unwrap_or(n as u64);
        let mut fields = BTreeMap::new();
        for (i, field) in field_names.iter().enumerate() {
            let value = feature.field(i).ok().flatten().map(field_text);
            fields.insert(field.clone(), value);
        }
        let geometry = match feature.geometry() {
            Some(g) if g.has_gdal_ptr() && !g.is_empty() => Some(
                g.to_geo()
                    .map_err(|e| Error::input(&name, Some(format!("fid {fid}")), Some("geometry"), e.to_string()))?,
            ),
            _ => None,
        };
        features.push(SourceFeature { fid, fields, geometry });
    }
    if features.is_empty() {
        return Err(Error::input(&name, None, None, "the layer has no features"));
    }
    Ok(SourceLayer { name, crs, field_names, features })
}

fn field_text(value: FieldValue) -> String {
    match value {
        FieldValue::StringValue(s) => s,
        FieldValue::RealValue(v) => v.to_string(),
        FieldValue::IntegerValue(v) => v.to_string(),
        FieldValue::Integer64Value(v) => v.to_string(),
        FieldValue::StringListValue(list) => list.join(";"),
        FieldValue::IntegerListValue(list) => list.iter().map(i32::to_string).collect::<Vec<_>>().join(";"),
        other => format!("{other:?}"),
    }
}

impl SourceLayer {
    /// Checks that a named field exists, listing the fields when it does not.
    pub fn require_field(&self, field: &str) -> Result<()> {
        if self.field_names.iter().any(|f| f == field) {
            Ok(())
        } else {
            Err(Error::input(
                &self.name,
                None,
                Some(field),
                format!("no such field (fields: {})", self.field_names.join(", ")),
            ))
        }
    }

    /// The centre of the layer's extent, in its own CRS.
    pub fn centre(&self) -> Option<[f64; 2]> {
        let collection: geo::GeometryCollection<f64> =
            self.features.iter().filter_map(|f| f.geometry.clone()).collect();
        collection.centroid().map(|c| [c.x(), c.y()])
    }

    /// The working CRS: the named EPSG code, or the UTM zone of the layer's centre.
    pub fn working_crs(&self, epsg: Option<u32>) -> Result<WorkingCrs> {
        let centre = self
            .centre()
            .ok_or_else(|| Error::input(&self.name, None, Some("geometry"), "no feature has a geometry"))?;
        choose_working_crs(epsg, &self.crs, centre)
    }

    /// A transformation from this layer's CRS to the working CRS.
    pub fn transformer(&self, working: &WorkingCrs) -> Result<Transformer> {
        Transformer::new(&self.crs, &working.definition())
    }

    /// A feature's label for messages: the value of `id_field`, else `fid N`.
    pub fn label(&self, feature: &SourceFeature, id_field: Option<&str>) -> String {
        id_field
            .and_then(|f| feature.fields.get(f).cloned().flatten())
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| format!("fid {}", feature.fid))
    }
}

/// Reprojects a geometry.
pub fn project(geometry: &geo::Geometry<f64>, transformer: &Transformer) -> Result<geo::Geometry<f64>> {
    geometry.try_map_coords(|c| transformer.apply([c.x, c.y]).map(|[x, y]| geo::coord! { x: x, y: y }))
}

/// Reads and validates a service catalogue, reprojected to the working CRS
/// (the named EPSG code, or the UTM zone of the catalogue's centre).
pub fn read_services(source: &LayerSource, working_epsg: Option<u32>) -> Result<(Vec<Service>, WorkingCrs)> {
    let layer = read_layer(source)?;
    // With no geometry at all there is no CRS to choose; validation then
    // reports the missing geometry of every feature.
    let working = match layer.centre() {
        Some(_) => Some(layer.working_crs(working_epsg)?),
        None => None,
    };
    let transformer = working.as_ref().map(|w| layer.transformer(w)).transpose()?;
    let raw: Vec<RawFeature> = layer
        .features
        .iter()
        .map(|f| RawFeature {
            fid: f.fid,
            fields: f
                .fields
                .iter()
                .filter_map(|(k, v)| v.clone().map(|v| (catalogue::canonical_field(k).to_string(), v)))
                .collect(),
            point: match (&f.geometry, &transformer) {
                (Some(geo::Geometry::Point(p)), Some(t)) => t.apply([p.x(), p.y()]).map_err(|e| e.to_string()),
                (Some(geo::Geometry::Point(_)), None) => unreachable!("a point gives the layer a centre"),
                (Some(other), _) => Err(format!("geometry is a {}, expected a point", geometry_kind(other))),
                (None, _) => Err("missing geometry".to_string()),
            },
        })
        .collect();
    let services = catalogue::validate(&layer.name, &raw)?;
    Ok((services, working.expect("valid services have points, so the layer has a centre")))
}

fn geometry_kind(geometry: &geo::Geometry<f64>) -> &'static str {
    match geometry {
        geo::Geometry::Point(_) => "Point",
        geo::Geometry::Line(_) | geo::Geometry::LineString(_) => "LineString",
        geo::Geometry::Polygon(_) | geo::Geometry::Rect(_) | geo::Geometry::Triangle(_) => "Polygon",
        geo::Geometry::MultiPoint(_) => "MultiPoint",
        geo::Geometry::MultiLineString(_) => "MultiLineString",
        geo::Geometry::MultiPolygon(_) => "MultiPolygon",
        geo::Geometry::GeometryCollection(_) => "GeometryCollection",
    }
}

/// Which fields of a demand layer to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemandFields {
    /// Population (persons); required, finite and not negative.
    pub population: String,
    /// Stable identifier; the feature id when `None`.
    pub id: Option<String>,
    /// Readable name; the identifier when `None`.
    pub name: Option<String>,
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
}

impl Demand {
    /// The fields every demand output layer starts with: id, name, population.
    pub fn unit_fields() -> Vec<(String, FieldKind)> {
        vec![("id".to_string(), FieldKind::Text), ("name".into(), FieldKind::Text), ("population".into(), FieldKind::Real)]
    }

    /// Unit `i`'s values for [`Demand::unit_fields`].
    pub fn unit_values(&self, i: usize) -> Vec<Value> {
        vec![Value::Text(self.ids[i].clone()), Value::Text(self.names[i].clone()), Value::Real(self.population[i])]
    }
}

/// Reads demand units (points or polygons with a population field).
pub fn read_demand(source: &LayerSource, fields: &DemandFields, working: &WorkingCrs) -> Result<Demand> {
    let layer = read_layer(source)?;
    for field in std::iter::once(&fields.population).chain(&fields.id).chain(&fields.name) {
        layer.require_field(field)?;
    }
    let transformer = layer.transformer(working)?;
    let mut demand = Demand {
        layer: layer.name.clone(),
        ids: Vec::new(),
        names: Vec::new(),
        points: Vec::new(),
        population: Vec::new(),
        geometries: Vec::new(),
    };
    for feature in &layer.features {
        let label = layer.label(feature, fields.id.as_deref());
        let fail = |field: &str, message: String| Error::input(&layer.name, Some(label.clone()), Some(field), message);
        let text = feature.fields.get(&fields.population).cloned().flatten().unwrap_or_default();
        let population: f64 = text.trim().parse().map_err(|_| fail(&fields.population, format!("'{text}' is not a number")))?;
        if !population.is_finite() || population < 0.0 {
            return Err(fail(&fields.population, format!("population {text} must be a finite number >= 0")));
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
        demand
            .names
            .push(fields.name.as_ref().and_then(|f| feature.fields.get(f).cloned().flatten()).unwrap_or(label));
        demand.points.push([inside.x(), inside.y()]);
        demand.population.push(population);
        demand.geometries.push(projected);
    }
    Ok(demand)
}

/// A value of an output field.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Real(f64),
    Integer(i64),
    Null,
}

/// The type of an output field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Real,
    Integer,
}

/// A layer to write: fields, then rows of an optional geometry and values.
pub struct OutputLayer {
    pub name: String,
    /// `None` for a table without geometry.
    pub geometry: Option<GeometryKind>,
    pub fields: Vec<(String, FieldKind)>,
    pub rows: Vec<(Option<geo::Geometry<f64>>, Vec<Value>)>,
    /// Styles stored in the GeoPackage's `layer_styles` table.
    pub styles: Vec<crate::styles::LayerStyle>,
}

/// The geometry type of an output layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    Point,
    MultiPolygon,
    Unknown,
}

/// Writes layers to a GeoPackage: to a temporary file in the same folder,
/// then renamed over `path`.
pub fn write_geopackage(path: &Path, layers: &[OutputLayer], working: &WorkingCrs) -> Result<()> {
    replace_atomically(path, |temporary| {
        let driver = DriverManager::get_driver_by_name("GPKG").map_err(|e| Error::io(path.display(), e))?;
        let dataset = driver.create_vector_only(temporary).map_err(|e| Error::io(path.display(), e))?;
        write_layers(dataset, path, layers, working)
    })
}

/// Adds layers to an existing GeoPackage (replacing layers of the same
/// name), through a copy moved into place; creates it when absent.
pub fn add_to_geopackage(path: &Path, layers: &[OutputLayer], working: &WorkingCrs) -> Result<()> {
    if !path.exists() {
        return write_geopackage(path, layers, working);
    }
    replace_atomically(path, |temporary| {
        let gdal_error = |e: gdal::errors::GdalError| Error::io(path.display(), e);
        std::fs::copy(path, temporary).map_err(|e| Error::io(path.display(), e))?;
        let options = DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_UPDATE,
            allowed_drivers: Some(&["GPKG"]),
            ..Default::default()
        };
        let mut dataset = Dataset::open_ex(temporary, options).map_err(gdal_error)?;
        for output in layers {
            let existing = dataset.layers().position(|l| l.name() == output.name);
            if let Some(index) = existing {
                dataset.delete_layer(index).map_err(gdal_error)?;
            }
        }
        write_layers(dataset, path, layers, working)
    })
}

/// Writes through `write` to a temporary file in the folder of `path`, then
/// renames it over `path`; on failure the temporary file is removed and
/// `path` is left as it was.
pub fn replace_atomically(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&folder).map_err(|e| Error::io(folder.display(), e))?;
    let file_name = path.file_name().ok_or_else(|| Error::io(path.display(), "not a file path"))?.to_string_lossy();
    let extension = path.extension().map_or(String::new(), |e| format!(".{}", e.to_string_lossy()));
    let temporary = folder.join(format!(".{file_name}.{}.tmp{extension}", std::process::id()));
    let result = write(&temporary).and_then(|_| std::fs::rename(&temporary, path).map_err(|e| Error::io(path.display(), e)));
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Writes layers into an open dataset; `path` names the target in messages.
fn write_layers(mut dataset: Dataset, path: &Path, layers: &[OutputLayer], working: &WorkingCrs) -> Result<()> {
    let gdal_error = |e: gdal::errors::GdalError| Error::io(path.display(), e);
    let srs = SpatialRef::from_epsg(working.epsg).map_err(gdal_error)?;
    for output in layers {
        let mut transaction = dataset.start_transaction().map_err(gdal_error)?;
        let ty = match output.geometry {
            None => OGRwkbGeometryType::wkbNone,
            Some(GeometryKind::Point) => OGRwkbGeometryType::wkbPoint,
            Some(GeometryKind::MultiPolygon) => OGRwkbGeometryType::wkbMultiPolygon,
            Some(GeometryKind::Unknown) => OGRwkbGeometryType::wkbUnknown,
        };
        let layer = transaction
            .create_layer(LayerOptions {
                name: &output.name,
                srs: output.geometry.map(|_| &srs),
                ty,
                options: None,
            })
            .map_err(gdal_error)?;
        let definitions: Vec<(&str, u32)> = output
            .fields
            .iter()
            .map(|(name, kind)| {
                let ty = match kind {
                    FieldKind::Text => OGRFieldType::OFTString,
                    FieldKind::Real => OGRFieldType::OFTReal,
                    FieldKind::Integer => OGRFieldType::OFTInteger64,
                };
                (name.as_str(), ty)
            })
            .collect();
        layer.create_defn_fields(&definitions).map_err(gdal_error)?;
        for (n, (geometry, values)) in output.rows.iter().enumerate() {
            if values.len() != output.fields.len() {
                let message = format!("row {n} has {} values for {} fields", values.len(), output.fields.len());
                return Err(Error::input(&output.name, None, None, message));
            }
            let mut feature = Feature::new(layer.defn()).map_err(gdal_error)?;
            for (i, value) in values.iter().enumerate() {
                match value {
                    Value::Text(s) => feature.set_field_string(i, s),
                    Value::Real(v) if v.is_finite() => feature.set_field_double(i, *v),
                    Value::Real(_) | Value::Null => feature.set_field_null(i),
                    Value::Integer(v) => feature.set_field_integer64(i, *v),
                }
                .map_err(gdal_error)?;
            }
            if let Some(g) = geometry {
                let g = match (output.geometry, g) {
                    (Some(GeometryKind::MultiPolygon), geo::Geometry::Polygon(p)) => {
                        geo::Geometry::MultiPolygon(geo::MultiPolygon(vec![p.clone()]))
                    }
                    _ => g.clone(),
                };
                let gdal_geometry: Geometry = g.to_gdal().map_err(gdal_error)?;
                feature.set_geometry(gdal_geometry).map_err(gdal_error)?;
            }
            feature.create(&layer).map_err(gdal_error)?;
        }
        transaction.commit().map_err(gdal_error)?;
    }
    write_styles(&mut dataset, path, layers)
}

/// The `layer_styles` table as QGIS reads it.
const STYLE_FIELDS: [(&str, OGRFieldType::Type); 12] = [
    ("f_table_catalog", OGRFieldType::OFTString),
    ("f_table_schema", OGRFieldType::OFTString),
    ("f_table_name", OGRFieldType::OFTString),
    ("f_geometry_column", OGRFieldType::OFTString),
    ("styleName", OGRFieldType::OFTString),
    ("styleQML", OGRFieldType::OFTString),
    ("styleSLD", OGRFieldType::OFTString),
    ("useAsDefault", OGRFieldType::OFTInteger),
    ("description", OGRFieldType::OFTString),
    ("owner", OGRFieldType::OFTString),
    ("ui", OGRFieldType::OFTString),
    ("update_time", OGRFieldType::OFTDateTime),
];

/// Stores each layer's styles in `layer_styles`, replacing earlier ones of the same layers.
fn write_styles(dataset: &mut Dataset, path: &Path, layers: &[OutputLayer]) -> Result<()> {
    let gdal_error = |e: gdal::errors::GdalError| Error::io(path.display(), e);
    if layers.iter().all(|l| l.styles.is_empty()) {
        return Ok(());
    }
    let exists = dataset.layer_by_name("layer_styles").is_ok();
    if exists {
        for output in layers.iter().filter(|l| !l.styles.is_empty()) {
            let sql = format!("DELETE FROM layer_styles WHERE f_table_name = '{}'", output.name.replace('\'', "''"));
            dataset.execute_sql(sql, None, gdal::vector::sql::Dialect::SQLITE).map_err(gdal_error)?;
        }
    } else {
        let table = dataset
            .create_layer(LayerOptions { name: "layer_styles", ty: OGRwkbGeometryType::wkbNone, ..Default::default() })
            .map_err(gdal_error)?;
        table.create_defn_fields(&STYLE_FIELDS).map_err(gdal_error)?;
    }
    let table = dataset.layer_by_name("layer_styles").map_err(gdal_error)?;
    for output in layers {
        for style in &output.styles {
            let mut feature = Feature::new(table.defn()).map_err(gdal_error)?;
            // QGIS looks styles up by an empty catalog and schema.
            let values = [
                ("f_table_catalog", ""),
                ("f_table_schema", ""),
                ("f_table_name", output.name.as_str()),
                ("f_geometry_column", if output.geometry.is_some() { "geom" } else { "" }),
                ("styleName", style.name.as_str()),
                ("styleQML", style.qml.as_str()),
                ("styleSLD", style.sld.as_str()),
                ("description", "CapaCityMetro"),
            ];
            for (field, value) in values {
                let index = feature.field_index(field).map_err(gdal_error)?;
                feature.set_field_string(index, value).map_err(gdal_error)?;
            }
            let index = feature.field_index("useAsDefault").map_err(gdal_error)?;
            feature.set_field_integer(index, style.default as i32).map_err(gdal_error)?;
            feature.create(&table).map_err(gdal_error)?;
        }
    }
    Ok(())
}
