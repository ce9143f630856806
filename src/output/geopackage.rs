//! GeoPackage output: layers, their styles (`layer_styles`, as QGIS reads
//! them, each also as `<name>_<language>` with its legend in that language)
//! and their schemas (`capacitymetro_layers`, `capacitymetro_fields`, and
//! the texts in every language in `capacitymetro_translations`).
//!
//! Output is written to a temporary file beside the target and moved into
//! place only when complete, so a failed run never leaves a half-written
//! file or destroys the previous one.

use super::{FieldKind, GeometryKind, OutputLayer, Value};
use crate::crs::WorkingCrs;
use crate::error::{Error, Result};
use gdal::spatial_ref::SpatialRef;
use gdal::vector::{Feature, LayerAccess, LayerOptions, OGRFieldType, OGRwkbGeometryType};
use gdal::{Dataset, DatasetOptions, DriverManager, GdalOpenFlags};
use std::path::{Path, PathBuf};

/// Writes layers to a GeoPackage: to a temporary file in the same folder,
/// then renamed over `path`.
pub fn write_geopackage(path: &Path, layers: &[OutputLayer], working: &WorkingCrs) -> Result<()> {
    replace_atomically(path, |temporary| {
        let driver = DriverManager::get_driver_by_name("GPKG").map_err(|e| Error::io(path.display(), e))?;
        let dataset = driver.create_vector_only(temporary).map_err(crate::io::gdal_error(path))?;
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
        let gdal_error = crate::io::gdal_error(path);
        std::fs::copy(path, temporary).map_err(|e| Error::io(path.display(), e))?;
        let options = DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_UPDATE,
            allowed_drivers: Some(&["GPKG"]),
            ..Default::default()
        };
        let mut dataset = Dataset::open_ex(temporary, options).map_err(gdal_error)?;
        for output in layers {
            let existing = dataset.layers().position(|l| l.name() == output.schema.name);
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
    if std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
        return Err(Error::io(
            path.display(),
            "the file is read-only: it is not replaced (make it writable or choose another file)",
        ));
    }
    let file_name = path.file_name().ok_or_else(|| Error::io(path.display(), "not a file path"))?.to_string_lossy();
    let extension = path.extension().map_or(String::new(), |e| format!(".{}", e.to_string_lossy()));
    let temporary = folder.join(format!(".{file_name}.{}.tmp{extension}", std::process::id()));
    let result = write(&temporary).and_then(|_| {
        if crate::progress::interrupted() {
            return Err(Error::Cancelled);
        }
        std::fs::rename(&temporary, path).map_err(|e| Error::io(path.display(), e))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// Writes layers into an open dataset; `path` names the target in messages.
fn write_layers(mut dataset: Dataset, path: &Path, layers: &[OutputLayer], working: &WorkingCrs) -> Result<()> {
    let gdal_error = crate::io::gdal_error(path);
    let srs = SpatialRef::from_epsg(working.epsg).map_err(gdal_error)?;
    for output in layers {
        let mut transaction = dataset.start_transaction().map_err(gdal_error)?;
        let ty = match output.geometry {
            None => OGRwkbGeometryType::wkbNone,
            Some(GeometryKind::Point) => OGRwkbGeometryType::wkbPoint,
            Some(GeometryKind::LineString) => OGRwkbGeometryType::wkbLineString,
            Some(GeometryKind::MultiPolygon) => OGRwkbGeometryType::wkbMultiPolygon,
            Some(GeometryKind::Unknown) => OGRwkbGeometryType::wkbUnknown,
        };
        let layer = transaction
            .create_layer(LayerOptions {
                name: &output.schema.name,
                srs: output.geometry.map(|_| &srs),
                ty,
                options: None,
            })
            .map_err(gdal_error)?;
        let definitions: Vec<(&str, u32)> = output
            .schema
            .fields
            .iter()
            .map(|f| {
                let ty = match f.kind {
                    FieldKind::Text => OGRFieldType::OFTString,
                    FieldKind::Real => OGRFieldType::OFTReal,
                    FieldKind::Integer => OGRFieldType::OFTInteger64,
                };
                (f.name.as_str(), ty)
            })
            .collect();
        layer.create_defn_fields(&definitions).map_err(gdal_error)?;
        output.check_rows()?;
        for (geometry, values) in &output.rows {
            let mut feature = Feature::new(layer.defn()).map_err(gdal_error)?;
            for (i, value) in values.iter().enumerate() {
                match value.stored() {
                    Some(Value::Text(s)) => feature.set_field_string(i, s),
                    Some(Value::Real(v)) => feature.set_field_double(i, *v),
                    Some(Value::Integer(v)) => feature.set_field_integer64(i, *v),
                    Some(Value::Null) | None => feature.set_field_null(i),
                }
                .map_err(gdal_error)?;
            }
            if let Some(g) = geometry {
                feature.set_geometry(output.stored_geometry(g).map_err(gdal_error)?).map_err(gdal_error)?;
            }
            feature.create(&layer).map_err(gdal_error)?;
        }
        transaction.commit().map_err(gdal_error)?;
    }
    write_styles(&mut dataset, path, layers)?;
    write_schemas(&mut dataset, path, layers)
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
    let gdal_error = crate::io::gdal_error(path);
    if layers.iter().all(|l| l.styles.is_empty()) {
        return Ok(());
    }
    let exists = dataset.layer_by_name("layer_styles").is_ok();
    if exists {
        for output in layers.iter().filter(|l| !l.styles.is_empty()) {
            let sql =
                format!("DELETE FROM layer_styles WHERE f_table_name = '{}'", output.schema.name.replace('\'', "''"));
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
            // the style, then the same with its legend in each language (never the default);
            // the description is the field drawn, with the language of the legend
            let translated = style.translations.iter().map(|t| {
                let description = format!("{} [{}]", style.field, t.language);
                (style.name_in(&t.language), &t.qml, &t.sld, description, false)
            });
            let rows =
                std::iter::once((style.name.clone(), &style.qml, &style.sld, style.field.clone(), style.default))
                    .chain(translated);
            for (name, qml, sld, description, default) in rows {
                let mut feature = Feature::new(table.defn()).map_err(gdal_error)?;
                // QGIS looks styles up by an empty catalog and schema.
                let values = [
                    ("f_table_catalog", ""),
                    ("f_table_schema", ""),
                    ("f_table_name", output.schema.name.as_str()),
                    ("f_geometry_column", if output.geometry.is_some() { "geom" } else { "" }),
                    ("styleName", name.as_str()),
                    ("styleQML", qml.as_str()),
                    ("styleSLD", sld.as_str()),
                    ("description", description.as_str()),
                ];
                for (field, value) in values {
                    let index = feature.field_index(field).map_err(gdal_error)?;
                    feature.set_field_string(index, value).map_err(gdal_error)?;
                }
                let index = feature.field_index("useAsDefault").map_err(gdal_error)?;
                feature.set_field_integer(index, default as i32).map_err(gdal_error)?;
                feature.create(&table).map_err(gdal_error)?;
            }
        }
    }
    Ok(())
}

/// Tables of the schema: one row per layer, one row per field, and per
/// language one row per layer (no field name: its title and abstract) and
/// one per field (its alias as the title, no abstract).
const LAYER_TABLE: (&str, [&str; 6]) =
    ("capacitymetro_layers", ["layer_name", "granularity", "title_it", "title_en", "abstract_it", "abstract_en"]);
const FIELD_TABLE: (&str, [&str; 7]) =
    ("capacitymetro_fields", ["layer_name", "field_name", "kind", "role", "unit", "title_it", "title_en"]);
const TRANSLATION_TABLE: (&str, [&str; 5]) =
    ("capacitymetro_translations", ["layer_name", "field_name", "language", "title", "abstract"]);

/// A serde enum's name, as stored.
fn name_of(value: impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Stores each layer's schema, replacing earlier rows of the same layers.
fn write_schemas(dataset: &mut Dataset, path: &Path, layers: &[OutputLayer]) -> Result<()> {
    let gdal_error = crate::io::gdal_error(path);
    let mut rows: Vec<(&str, Vec<String>)> = Vec::new();
    for output in layers {
        let s = &output.schema;
        rows.push((
            LAYER_TABLE.0,
            vec![
                s.name.clone(),
                name_of(s.granularity),
                s.title_it.clone(),
                s.title_en.clone(),
                s.abstract_it.clone(),
                s.abstract_en.clone(),
            ],
        ));
        for f in &s.fields {
            let unit = f.unit.unwrap_or_default().to_string();
            rows.push((
                FIELD_TABLE.0,
                vec![
                    s.name.clone(),
                    f.name.clone(),
                    name_of(f.kind),
                    name_of(f.role),
                    unit,
                    f.title_it.clone(),
                    f.title_en.clone(),
                ],
            ));
        }
        for language in super::i18n::languages() {
            let texts = s.texts(language);
            rows.push((
                TRANSLATION_TABLE.0,
                vec![s.name.clone(), String::new(), language.clone(), texts.title, texts.abstract_],
            ));
            for (field, alias) in texts.aliases {
                rows.push((TRANSLATION_TABLE.0, vec![s.name.clone(), field, language.clone(), alias, String::new()]));
            }
        }
    }
    let tables = [
        (LAYER_TABLE.0, &LAYER_TABLE.1[..]),
        (FIELD_TABLE.0, &FIELD_TABLE.1[..]),
        (TRANSLATION_TABLE.0, &TRANSLATION_TABLE.1[..]),
    ];
    for (table, columns) in tables {
        if dataset.layer_by_name(table).is_ok() {
            for output in layers {
                let sql =
                    format!("DELETE FROM {table} WHERE layer_name = '{}'", output.schema.name.replace('\'', "''"));
                dataset.execute_sql(sql, None, gdal::vector::sql::Dialect::SQLITE).map_err(gdal_error)?;
            }
        } else {
            let created = dataset
                .create_layer(LayerOptions { name: table, ty: OGRwkbGeometryType::wkbNone, ..Default::default() })
                .map_err(gdal_error)?;
            let definitions: Vec<(&str, u32)> = columns.iter().map(|c| (*c, OGRFieldType::OFTString)).collect();
            created.create_defn_fields(&definitions).map_err(gdal_error)?;
        }
        let table_layer = dataset.layer_by_name(table).map_err(gdal_error)?;
        for (_, values) in rows.iter().filter(|(t, _)| *t == table) {
            let mut feature = Feature::new(table_layer.defn()).map_err(gdal_error)?;
            for (i, value) in values.iter().enumerate() {
                feature.set_field_string(i, value).map_err(gdal_error)?;
            }
            feature.create(&table_layer).map_err(gdal_error)?;
        }
    }
    Ok(())
}
