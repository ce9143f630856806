//! Layers handed over in memory (geometry as WKB, attributes as columns),
//! written to a GeoPackage in GDAL's in-memory file system (`/vsimem/`),
//! so that every job reads them through [`crate::io::read_layer`] as it
//! reads any OGR source, without a file on disk.

use crate::error::{Error, Result};
use gdal::spatial_ref::SpatialRef;
use gdal::vector::{Feature, Geometry, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType};
use gdal::DriverManager;
use std::path::{Path, PathBuf};

/// One attribute column; `None` (and NaN) is null.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    Text(Vec<Option<String>>),
    Real(Vec<f64>),
    Integer(Vec<Option<i64>>),
}

impl Column {
    fn len(&self) -> usize {
        match self {
            Column::Text(v) => v.len(),
            Column::Real(v) => v.len(),
            Column::Integer(v) => v.len(),
        }
    }

    fn field_type(&self) -> u32 {
        match self {
            Column::Text(_) => OGRFieldType::OFTString,
            Column::Real(_) => OGRFieldType::OFTReal,
            Column::Integer(_) => OGRFieldType::OFTInteger64,
        }
    }
}

/// A layer held in GDAL's memory file system; removed when dropped.
#[derive(Debug)]
pub struct MemoryLayer {
    path: PathBuf,
}

impl MemoryLayer {
    /// The path to give as a layer option (any job reads it as a file).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for MemoryLayer {
    fn drop(&mut self) {
        // the GeoPackage and whatever SQLite kept beside it
        if let Some(folder) =
            self.path.parent().and_then(|f| std::ffi::CString::new(f.to_string_lossy().as_bytes()).ok())
        {
            // SAFETY: a valid C string; GDAL only reads it
            unsafe { gdal_sys::VSIRmdirRecursive(folder.as_ptr()) };
        }
    }
}

/// Whether `path` is in GDAL's memory file system.
pub fn is_memory_path(path: &Path) -> bool {
    path.starts_with("/vsimem/")
}

/// Writes a layer named `name` in the CRS `crs` (any definition GDAL
/// takes: `EPSG:n`, WKT, PROJ JSON) from WKB geometries (`None`: no
/// geometry) and attribute columns of the same length.
pub fn memory_layer(
    name: &str,
    crs: &str,
    wkb: &[Option<Vec<u8>>],
    columns: &[(String, Column)],
) -> Result<MemoryLayer> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let safe: String = name.chars().map(|c| if c.is_alphanumeric() || c == '_' { c } else { '_' }).collect();
    let path = PathBuf::from(format!("/vsimem/capacitymetro/{}-{n}/{safe}.gpkg", std::process::id()));
    let layer = MemoryLayer { path };
    for (field, column) in columns {
        if column.len() != wkb.len() {
            return Err(Error::input(
                name,
                None,
                Some(field),
                format!("{} values for {} geometries", column.len(), wkb.len()),
            ));
        }
    }
    let gdal_error = crate::io::gdal_error(&layer.path);
    let srs = SpatialRef::from_definition(crs).map_err(|e| {
        Error::Crs(format!("layer '{name}': the CRS '{crs}' is not known ({})", crate::io::gdal_reason(&e)))
    })?;
    let driver = DriverManager::get_driver_by_name("GPKG").map_err(gdal_error)?;
    let mut dataset = driver.create_vector_only(&layer.path).map_err(gdal_error)?;
    let mut transaction = dataset.start_transaction().map_err(gdal_error)?;
    let out = transaction
        .create_layer(LayerOptions { name: &safe, srs: Some(&srs), ty: OGRwkbGeometryType::wkbUnknown, options: None })
        .map_err(gdal_error)?;
    let definitions: Vec<(&str, u32)> = columns.iter().map(|(f, c)| (f.as_str(), c.field_type())).collect();
    out.create_defn_fields(&definitions).map_err(gdal_error)?;
    for (row, geometry) in wkb.iter().enumerate() {
        let mut feature = Feature::new(out.defn()).map_err(gdal_error)?;
        for (i, (_, column)) in columns.iter().enumerate() {
            match column {
                Column::Text(v) => match &v[row] {
                    Some(text) => feature.set_field_string(i, text),
                    None => feature.set_field_null(i),
                },
                Column::Real(v) if v[row].is_finite() => feature.set_field_double(i, v[row]),
                Column::Real(_) => feature.set_field_null(i),
                Column::Integer(v) => match v[row] {
                    Some(x) => feature.set_field_integer64(i, x),
                    None => feature.set_field_null(i),
                },
            }
            .map_err(gdal_error)?;
        }
        if let Some(bytes) = geometry {
            let g = Geometry::from_wkb(bytes).map_err(|e| {
                Error::input(
                    name,
                    Some(format!("row {row}")),
                    Some("geometry"),
                    format!("not WKB ({})", crate::io::gdal_reason(&e)),
                )
            })?;
            feature.set_geometry(g).map_err(gdal_error)?;
        }
        feature.create(&out).map_err(gdal_error)?;
    }
    transaction.commit().map_err(gdal_error)?;
    Ok(layer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_memory_layer_reads_as_any_source() {
        let point = geo::Geometry::Point(geo::Point::new(12.33, 45.44));
        let wkb: Vec<u8> = {
            use gdal::vector::ToGdal;
            point.to_gdal().unwrap().wkb().unwrap()
        };
        let columns = vec![
            ("id".to_string(), Column::Text(vec![Some("a".into()), None])),
            ("population".to_string(), Column::Real(vec![10.0, f64::NAN])),
        ];
        let layer = memory_layer("demand", "EPSG:4326", &[Some(wkb), None], &columns).unwrap();
        let read = crate::io::read_layer(&crate::io::LayerSource::new(layer.path(), None)).unwrap();
        assert_eq!(read.features.len(), 2);
        assert_eq!(read.features[0].fields["id"].as_deref(), Some("a"));
        assert_eq!(read.features[1].fields["population"], None);
        assert!(matches!(read.features[0].geometry, Some(geo::Geometry::Point(p)) if (p.x() - 12.33).abs() < 1e-12));
        let path = layer.path().to_path_buf();
        drop(layer);
        assert!(crate::io::read_layer(&crate::io::LayerSource::new(&path, None)).is_err());
    }
}
