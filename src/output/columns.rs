//! Output layers handed to the caller in memory: per layer, what its
//! GeoPackage table holds (see [`super::geopackage`]), as columns.

use super::{FieldKind, OutputLayer, Value};
use crate::crs::WorkingCrs;
use crate::error::{Error, Result};
use crate::memory_layer::Column;

/// A layer as columns: the values and geometries its GeoPackage table
/// would hold, in the same order.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerColumns {
    pub name: String,
    /// EPSG code of the geometries (the working CRS).
    pub epsg: u32,
    /// Per row, the geometry as WKB (`None`: the row has none); `None` for
    /// a table without geometry.
    pub wkb: Option<Vec<Option<Vec<u8>>>>,
    /// Per field, in order, its values: a number that is not finite is null.
    pub columns: Vec<(String, Column)>,
}

impl LayerColumns {
    /// The columns of `layer`, its geometries in `working`.
    pub fn new(layer: &OutputLayer, working: &WorkingCrs) -> Result<Self> {
        layer.check_rows()?;
        let name = &layer.schema.name;
        let wkb = match layer.geometry {
            None => None,
            Some(_) => Some(
                layer
                    .rows
                    .iter()
                    .enumerate()
                    .map(|(n, (geometry, _))| {
                        geometry
                            .as_ref()
                            .map(|g| {
                                layer.stored_geometry(g).and_then(|g| g.wkb()).map_err(|e| {
                                    Error::Internal(format!(
                                        "layer '{name}', row {n}: the geometry has no WKB ({})",
                                        crate::io::gdal_reason(&e)
                                    ))
                                })
                            })
                            .transpose()
                    })
                    .collect::<Result<_>>()?,
            ),
        };
        let columns = layer
            .schema
            .fields
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let values = layer.rows.iter().map(|(_, values)| values[i].stored());
                let mismatch = |value: &Value| {
                    Error::Internal(format!(
                        "layer '{name}', field '{}': {value:?} in a {:?} field",
                        field.name, field.kind
                    ))
                };
                let column = match field.kind {
                    FieldKind::Text => Column::Text(
                        values
                            .map(|v| match v {
                                None => Ok(None),
                                Some(Value::Text(s)) => Ok(Some(s.clone())),
                                Some(other) => Err(mismatch(other)),
                            })
                            .collect::<Result<_>>()?,
                    ),
                    FieldKind::Real => Column::Real(
                        values
                            .map(|v| match v {
                                None => Ok(f64::NAN),
                                Some(Value::Real(x)) => Ok(*x),
                                Some(other) => Err(mismatch(other)),
                            })
                            .collect::<Result<_>>()?,
                    ),
                    FieldKind::Integer => Column::Integer(
                        values
                            .map(|v| match v {
                                None => Ok(None),
                                Some(Value::Integer(x)) => Ok(Some(*x)),
                                Some(other) => Err(mismatch(other)),
                            })
                            .collect::<Result<_>>()?,
                    ),
                };
                Ok((field.name.clone(), column))
            })
            .collect::<Result<_>>()?;
        Ok(LayerColumns { name: name.clone(), epsg: working.epsg, wkb, columns })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::{FieldSchema, GeometryKind, Granularity, LayerSchema, Role};

    fn layer(geometry: Option<GeometryKind>, rows: Vec<(Option<geo::Geometry<f64>>, Vec<Value>)>) -> OutputLayer {
        let fields = vec![
            FieldSchema::new("t", FieldKind::Text, Role::Label, None, "t", "t"),
            FieldSchema::new("r", FieldKind::Real, Role::Index, None, "r", "r"),
            FieldSchema::new("i", FieldKind::Integer, Role::Rank, None, "i", "i"),
        ];
        let schema = LayerSchema {
            name: "l".into(),
            granularity: Granularity::Total,
            title_it: String::new(),
            title_en: String::new(),
            abstract_it: String::new(),
            abstract_en: String::new(),
            fields,
        };
        OutputLayer { schema, geometry, rows, styles: Vec::new() }
    }

    #[test]
    fn columns_hold_what_the_geopackage_holds() {
        let square = geo::Polygon::new(vec![(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)].into(), Vec::new());
        let rows = vec![
            (Some(geo::Geometry::Polygon(square.clone())), vec![Value::text("a"), Value::Real(1.5), Value::Integer(2)]),
            (None, vec![Value::Null, Value::Real(f64::INFINITY), Value::Null]),
        ];
        let working = WorkingCrs::from_epsg(32633).unwrap();
        let found = LayerColumns::new(&layer(Some(GeometryKind::MultiPolygon), rows), &working).unwrap();
        assert_eq!(found.epsg, 32633);
        let wkb = found.wkb.unwrap();
        assert!(wkb[1].is_none());
        // a polygon in a multipolygon layer is stored as a multipolygon
        let read = gdal::vector::Geometry::from_wkb(wkb[0].as_ref().unwrap()).unwrap();
        let expected: geo::Geometry<f64> = geo::MultiPolygon(vec![square]).into();
        assert_eq!(geo::Geometry::<f64>::try_from(read).unwrap(), expected);
        assert_eq!(found.columns[0], ("t".to_string(), Column::Text(vec![Some("a".into()), None])));
        let Column::Real(r) = &found.columns[1].1 else { panic!("not real") };
        assert!(r[0] == 1.5 && r[1].is_nan());
        assert_eq!(found.columns[2], ("i".to_string(), Column::Integer(vec![Some(2), None])));
    }

    #[test]
    fn a_table_has_no_geometry_and_a_bad_row_is_an_error() {
        let working = WorkingCrs::from_epsg(32633).unwrap();
        let table = LayerColumns::new(&layer(None, Vec::new()), &working).unwrap();
        assert!(table.wkb.is_none() && table.columns.len() == 3);
        let short = layer(None, vec![(None, vec![Value::Null])]);
        assert!(matches!(LayerColumns::new(&short, &working), Err(Error::Input(_))));
        let mixed = layer(None, vec![(None, vec![Value::Real(1.0), Value::Null, Value::Null])]);
        assert!(matches!(LayerColumns::new(&mixed, &working), Err(Error::Internal(_))));
    }
}
