//! Coordinate reference systems: one metric working CRS for an analysis,
//! and PROJ transformations from each input into it.

use crate::error::{Error, Result};
use gdal::spatial_ref::SpatialRef;
use proj::Proj;

/// The metric CRS in which every analysis runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCrs {
    /// EPSG code, e.g. 32633 (WGS 84 / UTM zone 33N, which holds Venice).
    pub epsg: u32,
}

impl WorkingCrs {
    /// A working CRS named by its EPSG code; refuses one that is not
    /// projected in metres (a geographic CRS measures in degrees).
    pub fn from_epsg(epsg: u32) -> Result<Self> {
        let srs = SpatialRef::from_epsg(epsg).map_err(|_| Error::Crs(format!("EPSG:{epsg} is not a known CRS")))?;
        if !srs.is_projected() {
            return Err(Error::Crs(format!(
                "EPSG:{epsg} ({}) is not projected: the working CRS must measure in metres, e.g. EPSG:32633",
                srs.name().unwrap_or_default()
            )));
        }
        if (srs.linear_units() - 1.0).abs() > 1e-12 {
            return Err(Error::Crs(format!(
                "EPSG:{epsg} measures in {}, not metres",
                srs.linear_units_name().unwrap_or_default()
            )));
        }
        Ok(WorkingCrs { epsg })
    }

    /// The WGS 84 UTM zone holding a longitude/latitude.
    pub fn utm_for_lonlat(lon: f64, lat: f64) -> Self {
        let zone = (((lon + 180.0) / 6.0).floor() as i64).clamp(0, 59) as u32 + 1;
        WorkingCrs { epsg: if lat >= 0.0 { 32600 + zone } else { 32700 + zone } }
    }

    pub fn definition(&self) -> String {
        format!("EPSG:{}", self.epsg)
    }

    /// Where the CRS is meant to be used, `[west, south, east, north]` in
    /// degrees, when PROJ knows (`None` across the antimeridian).
    pub fn area_of_use(&self) -> Option<[f64; 4]> {
        let proj = std::panic::catch_unwind(|| Proj::new(&self.definition()).ok()).ok().flatten()?;
        let area = proj.area_of_use().ok()?.0?;
        (area.west <= area.east).then_some([area.west, area.south, area.east, area.north])
    }
}

/// A CRS definition PROJ understands (`AUTH:CODE` where known, else WKT).
pub fn definition_of(srs: &SpatialRef) -> Result<String> {
    if let (Some(name), Ok(code)) = (srs.auth_name(), srs.auth_code()) {
        return Ok(format!("{name}:{code}"));
    }
    srs.to_wkt().map_err(|e| Error::Crs(format!("cannot describe the CRS: {e}")))
}

/// A PROJ transformation between two CRSs, in x/y (east/north, lon/lat) order.
pub struct Transformer {
    proj: Proj,
    from: String,
    to: String,
}

impl Transformer {
    pub fn new(from: &str, to: &str) -> Result<Self> {
        let failed =
            |e: &dyn std::fmt::Display| Error::Crs(format!("no transformation from {} to {to}: {e}", short(from)));
        // the proj crate panics when PROJ fails without saying why (e.g. GeoPackage's undefined SRS -1)
        let proj = std::panic::catch_unwind(|| Proj::new_known_crs(from, to, None))
            .map_err(|_| failed(&"PROJ does not know this coordinate system"))?
            .map_err(|e| failed(&e))?;
        Ok(Transformer { proj, from: from.to_string(), to: to.to_string() })
    }

    /// Transforms one point.
    pub fn apply(&self, xy: [f64; 2]) -> Result<[f64; 2]> {
        let (x, y) = self.proj.convert((xy[0], xy[1])).map_err(|e| {
            Error::Crs(format!(
                "cannot transform ({}, {}) from {} to {}: {e}",
                xy[0],
                xy[1],
                short(&self.from),
                self.to
            ))
        })?;
        if x.is_finite() && y.is_finite() {
            Ok([x, y])
        } else {
            Err(Error::Crs(format!("({}, {}) lies outside the area of {}", xy[0], xy[1], self.to)))
        }
    }
}

/// A WKT definition shortened for messages.
fn short(definition: &str) -> String {
    match definition.split_once('"') {
        Some((_, rest)) => rest.split('"').next().unwrap_or(definition).to_string(),
        None => definition.to_string(),
    }
}

/// Chooses the working CRS: the named EPSG code, or the UTM zone of a point
/// given in the `from` CRS.
pub fn choose_working_crs(epsg: Option<u32>, from: &str, centre: [f64; 2]) -> Result<WorkingCrs> {
    match epsg {
        Some(code) => WorkingCrs::from_epsg(code),
        None => {
            let lonlat = Transformer::new(from, "EPSG:4326")?.apply(centre)?;
            Ok(WorkingCrs::utm_for_lonlat(lonlat[0], lonlat[1]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venice_is_in_utm_33n() {
        assert_eq!(WorkingCrs::utm_for_lonlat(12.24, 45.49).epsg, 32633);
        assert_eq!(WorkingCrs::utm_for_lonlat(-58.4, -34.6).epsg, 32721);
    }

    #[test]
    fn geographic_working_crs_is_refused() {
        let err = WorkingCrs::from_epsg(4326).unwrap_err().to_string();
        assert!(err.contains("not projected"), "{err}");
    }

    #[test]
    fn transformation_matches_published_utm_coordinates() {
        // Piazza San Marco, 45.4341 N 12.3388 E: UTM 33N E 291,800 N 5,034,000 (about), checked
        // against the inverse transformation rather than a copied value.
        let t = Transformer::new("EPSG:4326", "EPSG:32633").unwrap();
        let back = Transformer::new("EPSG:32633", "EPSG:4326").unwrap();
        let xy = t.apply([12.3388, 45.4341]).unwrap();
        assert!((xy[0] - 291_800.0).abs() < 2_000.0 && (xy[1] - 5_034_000.0).abs() < 2_000.0, "{xy:?}");
        let lonlat = back.apply(xy).unwrap();
        assert!((lonlat[0] - 12.3388).abs() < 1e-9 && (lonlat[1] - 45.4341).abs() < 1e-9);
    }
}
