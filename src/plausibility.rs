//! Plausibility of input places: features far from all the others, points
//! outside the working CRS's area of use, and longitude and latitude that
//! look swapped. Each is a warning naming the features (see
//! [`crate::warnings`]), or an error when the user asks to be strict.

use crate::crs::{Transformer, WorkingCrs};
use crate::error::{Error, Result};

/// The places of one input layer, in the working CRS.
pub struct PlacedLayer<'a> {
    pub name: &'a str,
    /// A label per feature for messages (its id).
    pub labels: &'a [String],
    pub xy: &'a [[f64; 2]],
}

/// A layer needs this many features before its outliers are judged.
const MIN_FEATURES: usize = 5;
/// A feature is far when it lies beyond this many times the distance
/// holding four fifths of the layer, and at least `MIN_FAR_M`, from the layer's centre.
const FAR_FACTOR: f64 = 10.0;
/// # Units
/// metres
const MIN_FAR_M: f64 = 100_000.0;
/// Degrees of tolerance around the working CRS's area of use.
const AREA_MARGIN_DEG: f64 = 2.0;
/// The most features a message names.
const NAMED: usize = 5;

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

fn named(labels: &[String], features: &[usize]) -> String {
    let mut text: Vec<&str> = features.iter().take(NAMED).map(|&i| labels[i].as_str()).collect();
    let more = features.len().saturating_sub(NAMED);
    if more > 0 {
        text.push("...");
    }
    format!("{} ({} feature{})", text.join(", "), features.len(), if features.len() == 1 { "" } else { "s" })
}

/// Checks each layer, then the layers against each other; warns, or
/// refuses with the first problem when `strict`.
pub fn check(layers: &[PlacedLayer], working: &WorkingCrs, strict: bool) -> Result<()> {
    let to_lonlat = Transformer::new(&working.definition(), "EPSG:4326")?;
    let area = working.area_of_use();
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut centres = Vec::new();
    for layer in layers {
        let lonlat: Vec<Option<[f64; 2]>> = layer.xy.iter().map(|p| to_lonlat.apply(*p).ok()).collect();
        let centre = [median(layer.xy.iter().map(|p| p[0]).collect()), median(layer.xy.iter().map(|p| p[1]).collect())];
        if layer.xy.len() >= MIN_FEATURES {
            let distance: Vec<f64> = layer.xy.iter().map(|p| (p[0] - centre[0]).hypot(p[1] - centre[1])).collect();
            let mut sorted = distance.clone();
            sorted.sort_by(f64::total_cmp);
            let d80 = sorted[((sorted.len() as f64 * 0.8).ceil() as usize).saturating_sub(1)];
            let limit = (FAR_FACTOR * d80).max(MIN_FAR_M);
            let far: Vec<usize> =
                (0..distance.len()).filter(|&i| distance[i].is_nan() || distance[i] > limit).collect();
            if !far.is_empty() {
                let swapped = swapped_back(&far, &lonlat, centre, working, limit);
                let hint = if swapped { "; their longitude and latitude look swapped" } else { "" };
                problems.push((
                    layer.name.to_string(),
                    format!(
                        "{} lie more than {:.0} km from the other features{hint}",
                        named(layer.labels, &far),
                        limit / 1000.0
                    ),
                ));
            }
        }
        if let Some([west, south, east, north]) = area {
            let inside = |p: &[f64; 2]| {
                (west - AREA_MARGIN_DEG..=east + AREA_MARGIN_DEG).contains(&p[0])
                    && (south - AREA_MARGIN_DEG..=north + AREA_MARGIN_DEG).contains(&p[1])
            };
            let outside: Vec<usize> = (0..lonlat.len()).filter(|&i| !lonlat[i].as_ref().is_some_and(inside)).collect();
            if !outside.is_empty() {
                problems.push((
                    layer.name.to_string(),
                    format!(
                        "{} lie outside the area where EPSG:{} is meant to be used ({west:.1} to {east:.1} E, {south:.1} to {north:.1} N): name the right working CRS or check the coordinates",
                        named(layer.labels, &outside),
                        working.epsg
                    ),
                ));
            }
        }
        centres.push(centre);
    }
    // Layers that should overlap (services and the people who use them) but lie far apart.
    for (a, b) in (0..layers.len()).flat_map(|a| (a + 1..layers.len()).map(move |b| (a, b))) {
        let apart = (centres[a][0] - centres[b][0]).hypot(centres[a][1] - centres[b][1]);
        if apart > MIN_FAR_M {
            problems.push((
                layers[b].name.to_string(),
                format!(
                    "its features lie {:.0} km from those of layer '{}': are longitude and latitude swapped in one of them, or is a CRS wrong?",
                    apart / 1000.0,
                    layers[a].name
                ),
            ));
        }
    }
    if let Some((layer, message)) = problems.first().filter(|_| strict) {
        return Err(Error::input(layer, None, Some("geometry"), format!("{message} (refused: strict)")));
    }
    for (layer, message) in problems {
        crate::warnings::warn(format!("layer '{layer}': {message}"));
    }
    Ok(())
}

/// Whether the far features, with longitude and latitude exchanged, would lie near the layer's centre.
fn swapped_back(
    far: &[usize],
    lonlat: &[Option<[f64; 2]>],
    centre: [f64; 2],
    working: &WorkingCrs,
    limit: f64,
) -> bool {
    let Ok(to_working) = Transformer::new("EPSG:4326", &working.definition()) else { return false };
    far.iter().all(|&i| {
        lonlat[i]
            .and_then(|p| to_working.apply([p[1], p[0]]).ok())
            .is_some_and(|q| (q[0] - centre[0]).hypot(q[1] - centre[1]) <= limit)
    })
}
