//! Reading layers from any OGR source.
//!
//! Inputs are read through GDAL, checked, and reprojected with PROJ to the
//! working CRS by the modules that own them ([`crate::catalogue`],
//! [`crate::demand`]).

use crate::crs::{choose_working_crs, definition_of, Transformer, WorkingCrs};
use crate::error::{Error, Result};
use gdal::vector::{FieldValue, LayerAccess, OGRFieldType};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use geo::{Centroid, MapCoords};
use std::collections::BTreeMap;
use std::path::PathBuf;

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
    if !path.exists() && !crate::memory_layer::is_memory_path(path) {
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
        .map_err(|e| Error::io(path.display(), format!("not a readable vector data source ({})", gdal_reason(&e))))?;
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
    let text_fields: Vec<bool> = layer.defn().fields().map(|f| f.field_type() == OGRFieldType::OFTString).collect();
    let mut features = Vec::new();
    let mut first_recoded: Option<(u64, String, String)> = None;
    for (n, feature) in layer.features().enumerate() {
        let fid = feature.fid().unwrap_or(n as u64);
        let mut fields = BTreeMap::new();
        for (i, field) in field_names.iter().enumerate() {
            let value = if text_fields[i] {
                raw_text(&feature, i).map(|bytes| match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(e) => {
                        let text = windows_1252(e.as_bytes());
                        first_recoded.get_or_insert_with(|| (fid, field.clone(), text.clone()));
                        text
                    }
                })
            } else {
                feature.field(i).ok().flatten().map(field_text)
            };
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
    if let Some((fid, field, text)) = first_recoded {
        crate::warnings::warn(format!(
            "layer '{name}': the text is not UTF-8, so it was read as Windows-1252 (Latin-1), e.g. fid {fid}, field '{field}': '{text}'; save the file as UTF-8 (or give a shapefile a .cpg) to be sure"
        ));
    }
    Ok(SourceLayer { name, crs, field_names, features })
}

/// What GDAL said, without the wrapper's own words ("GDAL method ... returned a NULL pointer").
pub fn gdal_reason(error: &gdal::errors::GdalError) -> String {
    use gdal::errors::GdalError;
    let said = match error {
        GdalError::NullPointer { msg, .. } | GdalError::CplError { msg, .. } => msg.trim().to_string(),
        other => other.to_string(),
    };
    if said.is_empty() {
        "no GDAL driver recognises it".to_string()
    } else {
        said
    }
}

/// A GDAL failure on `path` as the project's error.
pub fn gdal_error(path: &std::path::Path) -> impl Fn(gdal::errors::GdalError) -> Error + Copy + '_ {
    move |e| Error::io(path.display(), gdal_reason(&e))
}

/// The bytes of a text field as the data source holds them (`None` when null).
fn raw_text(feature: &gdal::vector::Feature, index: usize) -> Option<Vec<u8>> {
    let index = i32::try_from(index).ok()?;
    // SAFETY: the feature is alive for the call; GDAL returns a string it owns, copied at once
    unsafe {
        let handle = feature.c_feature();
        if gdal_sys::OGR_F_IsFieldSetAndNotNull(handle, index) == 0 {
            return None;
        }
        let text = gdal_sys::OGR_F_GetFieldAsString(handle, index);
        (!text.is_null()).then(|| std::ffi::CStr::from_ptr(text).to_bytes().to_vec())
    }
}

/// Windows-1252 text (a superset of Latin-1, what spreadsheets on Windows write) as a string.
fn windows_1252(bytes: &[u8]) -> String {
    // 0x80-0x9F; the five bytes Windows-1252 leaves undefined keep their Latin-1 (C1) meaning
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž', '\u{8F}', '\u{90}', '‘',
        '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}', 'ž', 'Ÿ',
    ];
    bytes.iter().map(|&b| if (0x80..0xA0).contains(&b) { HIGH[(b - 0x80) as usize] } else { b as char }).collect()
}

fn field_text(value: FieldValue) -> String {
    match value {
        FieldValue::StringValue(s) => s,
        FieldValue::RealValue(v) => v.to_string(),
        FieldValue::IntegerValue(v) => v.to_string(),
        FieldValue::Integer64Value(v) => v.to_string(),
        FieldValue::StringListValue(list) => list.join(";"),
        FieldValue::IntegerListValue(list) => list.iter().map(i32::to_string).collect::<Vec<_>>().join(";"),
        FieldValue::DateValue(date) => date.format("%Y-%m-%d").to_string(),
        // a date stored in a date-time column (as QGIS forms make them) reads back as the date it was
        FieldValue::DateTimeValue(t) if t.time() == chrono::NaiveTime::MIN && t.offset().local_minus_utc() == 0 => {
            t.format("%Y-%m-%d").to_string()
        }
        FieldValue::DateTimeValue(t) => t.to_rfc3339(),
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
        choose_working_crs(epsg, &self.crs, centre).map_err(|e| match e {
            Error::Crs(message) => Error::Crs(format!("layer '{}': {message}", self.name)),
            other => other,
        })
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

pub fn geometry_kind(geometry: &geo::Geometry<f64>) -> &'static str {
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

/// While alive, GDAL's messages on this thread (PROJ's too, when GDAL calls
/// it) stay off stderr: a failure still reaches the project's message
/// through GDAL's last-error record. `CAPACITYMETRO_DEBUG` lets them through.
pub struct QuietGdal {
    pushed: bool,
    /// Not `Send`: GDAL's handler stack is per thread.
    _thread: std::marker::PhantomData<*const ()>,
}

impl QuietGdal {
    pub fn new() -> Self {
        let pushed = std::env::var_os("CAPACITYMETRO_DEBUG").is_none();
        if pushed {
            // SAFETY: pushes GDAL's own quiet handler on this thread's stack; popped on drop, on this thread
            unsafe { gdal_sys::CPLPushErrorHandler(Some(gdal_sys::CPLQuietErrorHandler)) };
        }
        QuietGdal { pushed, _thread: std::marker::PhantomData }
    }
}

impl Default for QuietGdal {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for QuietGdal {
    fn drop(&mut self) {
        if self.pushed {
            // SAFETY: pops the handler this value pushed, on the same thread (the value is not Send)
            unsafe { gdal_sys::CPLPopErrorHandler() };
        }
    }
}
