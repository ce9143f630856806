//! Reading an OpenStreetMap PBF file into links per mode.
//!
//! Access per mode from `highway` and the access tags (`access`, `foot`,
//! `bicycle`, `motor_vehicle`, `motorcar`); speeds from `maxspeed` when
//! present, otherwise the defaults below; `oneway` for cars (and for bikes,
//! unless `oneway:bicycle=no`); `route=ferry` ways as ferry links.

use crate::cost::Mode;
use crate::error::{Error, Result};
use osmpbf::{Element, ElementReader};
use std::collections::HashMap;
use std::path::Path;

/// Speeds and penalties used when tags say nothing.
///
/// # Units
/// Speeds in metres per second, `ferry_boarding_s` in seconds.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct OsmSpeeds {
    pub walk_m_s: f64,
    /// Walking on steps (slower than on the flat).
    pub steps_m_s: f64,
    pub bike_m_s: f64,
    /// Car speed per highway class when `maxspeed` is absent, in km/h.
    pub car_default_km_h: Vec<(String, f64)>,
    pub ferry_m_s: f64,
    /// Added when boarding a ferry: half the typical headway of the Venice waterbus.
    pub ferry_boarding_s: f64,
}

impl Default for OsmSpeeds {
    fn default() -> Self {
        OsmSpeeds {
            walk_m_s: 1.25,
            steps_m_s: 0.5,
            bike_m_s: 15.0 / 3.6,
            car_default_km_h: vec![
                ("motorway".to_string(), 110.0),
                ("trunk".to_string(), 90.0),
                ("primary".to_string(), 70.0),
                ("secondary".to_string(), 60.0),
                ("tertiary".to_string(), 50.0),
                ("unclassified".to_string(), 40.0),
                ("residential".to_string(), 30.0),
                ("road".to_string(), 30.0),
                ("living_street".to_string(), 10.0),
                ("service".to_string(), 15.0),
            ],
            ferry_m_s: 15.0 / 3.6,
            ferry_boarding_s: 600.0,
        }
    }
}

/// A way's tags, as the rules read them.
pub struct Tags<'a>(pub HashMap<&'a str, &'a str>);

impl Tags<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).copied()
    }

    fn is(&self, key: &str, values: &[&str]) -> bool {
        self.get(key).is_some_and(|v| values.contains(&v))
    }
}

const NO: &[&str] = &["no", "private", "agricultural", "forestry", "delivery"];
const YES: &[&str] = &["yes", "designated", "permissive", "destination", "official"];

/// Whether a mode may use a way, and at what speed (m/s), before one-way rules.
pub fn access(tags: &Tags, mode: Mode, speeds: &OsmSpeeds) -> Option<f64> {
    if tags.is("route", &["ferry"]) {
        let allowed = match mode {
            Mode::Walk | Mode::Transit | Mode::Bike => !tags.is("foot", &["no"]),
            Mode::Car => tags.is("motor_vehicle", YES) || tags.is("motorcar", YES),
        };
        return allowed.then_some(speeds.ferry_m_s);
    }
    let highway = tags.get("highway")?;
    let class = highway.trim_end_matches("_link");
    let mode_key = match mode {
        Mode::Walk | Mode::Transit => "foot",
        Mode::Bike => "bicycle",
        Mode::Car => "motor_vehicle",
    };
    if tags.is(mode_key, YES) || (mode == Mode::Car && tags.is("motorcar", YES)) {
        // explicitly allowed: fall through to the speed
    } else if tags.is(mode_key, NO)
        || (mode == Mode::Car && tags.is("motorcar", NO))
        || tags.is("access", NO)
        || tags.is("area", &["yes"]) && mode == Mode::Car
    {
        return None;
    } else {
        let allowed = match mode {
            Mode::Walk | Mode::Transit => {
                !matches!(class, "motorway" | "trunk" | "cycleway" | "bridleway" | "construction" | "proposed")
            }
            Mode::Bike => matches!(
                class,
                "primary"
                    | "secondary"
                    | "tertiary"
                    | "unclassified"
                    | "residential"
                    | "living_street"
                    | "service"
                    | "road"
                    | "track"
                    | "cycleway"
                    | "path"
            ),
            Mode::Car => speeds.car_default_km_h.iter().any(|(c, _)| c == class),
        };
        if !allowed {
            return None;
        }
    }
    Some(match mode {
        Mode::Walk | Mode::Transit if class == "steps" => speeds.steps_m_s,
        Mode::Walk | Mode::Transit => speeds.walk_m_s,
        Mode::Bike => speeds.bike_m_s,
        Mode::Car => {
            let tagged = tags.get("maxspeed").and_then(parse_maxspeed_km_h);
            let default = speeds.car_default_km_h.iter().find(|(c, _)| c == class).map_or(30.0, |(_, v)| *v);
            let link_factor = if highway.ends_with("_link") && tagged.is_none() { 0.7 } else { 1.0 };
            tagged.unwrap_or(default) * link_factor / 3.6
        }
    })
}

/// `maxspeed` in km/h: `50`, `30 mph`, `IT:urban`, `walk`.
pub fn parse_maxspeed_km_h(text: &str) -> Option<f64> {
    let text = text.trim();
    let zone = match text.split(':').nth(1) {
        Some("urban") => Some(50.0),
        Some("rural") => Some(90.0),
        Some("trunk") => Some(110.0),
        Some("motorway") => Some(130.0),
        Some("living_street") => Some(10.0),
        _ => None,
    };
    if zone.is_some() {
        return zone;
    }
    if text == "walk" {
        return Some(5.0);
    }
    let (number, factor) = match text.strip_suffix("mph") {
        Some(n) => (n.trim(), 1.609_344),
        None => (text.trim_end_matches("km/h").trim(), 1.0),
    };
    number.parse::<f64>().ok().filter(|v| *v > 0.0 && v.is_finite()).map(|v| v * factor)
}

/// Travel directions a mode may use: (forward, backward).
pub fn directions(tags: &Tags, mode: Mode) -> (bool, bool) {
    if mode == Mode::Walk || tags.is("route", &["ferry"]) {
        return (true, true);
    }
    if mode == Mode::Bike
        && (tags.is("oneway:bicycle", &["no"]) || tags.get("cycleway").is_some_and(|c| c.starts_with("opposite")))
    {
        return (true, true);
    }
    let implied = tags.is("junction", &["roundabout", "circular"]) || tags.is("highway", &["motorway"]);
    match tags.get("oneway") {
        Some("yes" | "true" | "1") => (true, false),
        Some("-1" | "reverse") => (false, true),
        Some("no" | "false" | "0") => (true, true),
        _ if implied => (true, false),
        _ => (true, true),
    }
}

/// A way kept for the network: its nodes, tags of interest.
pub struct OsmWay {
    pub nodes: Vec<i64>,
    pub tags: Vec<(String, String)>,
}

/// Ways with `highway` or `route=ferry`, and the coordinates of their nodes (lon, lat).
pub struct OsmData {
    pub ways: Vec<OsmWay>,
    pub nodes: HashMap<i64, [f64; 2]>,
}

/// Reads the ways of interest and their nodes from a PBF file.
pub fn read_pbf(path: &Path) -> Result<OsmData> {
    let open = |p: &Path| ElementReader::from_path(p).map_err(|e| Error::io(p.display(), format!("cannot open: {e}")));
    let mut ways = Vec::new();
    open(path)?
        .for_each(|element| {
            if let Element::Way(way) = element {
                let tags: Vec<(String, String)> = way.tags().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                if tags.iter().any(|(k, v)| k == "highway" || (k == "route" && v == "ferry")) {
                    ways.push(OsmWay { nodes: way.refs().collect(), tags });
                }
            }
        })
        .map_err(|e| Error::io(path.display(), format!("not a readable OSM PBF file ({e})")))?;
    if ways.is_empty() {
        return Err(Error::input(
            &path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default(),
            None,
            Some("highway"),
            "no highway or ferry ways: not a road network",
        ));
    }
    let wanted: std::collections::HashSet<i64> = ways.iter().flat_map(|w| w.nodes.iter().copied()).collect();
    let mut nodes = HashMap::with_capacity(wanted.len());
    open(path)?
        .for_each(|element| match element {
            Element::Node(n) if wanted.contains(&n.id()) => {
                nodes.insert(n.id(), [n.lon(), n.lat()]);
            }
            Element::DenseNode(n) if wanted.contains(&n.id()) => {
                nodes.insert(n.id(), [n.lon(), n.lat()]);
            }
            _ => {}
        })
        .map_err(|e| Error::io(path.display(), format!("not a readable OSM PBF file ({e})")))?;
    Ok(OsmData { ways, nodes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags<'a>(pairs: &[(&'a str, &'a str)]) -> Tags<'a> {
        Tags(pairs.iter().copied().collect())
    }

    #[test]
    fn access_per_mode() {
        let s = OsmSpeeds::default();
        let footway = tags(&[("highway", "footway")]);
        assert_eq!(access(&footway, Mode::Walk, &s), Some(1.25));
        assert_eq!(access(&footway, Mode::Bike, &s), None);
        assert_eq!(access(&footway, Mode::Car, &s), None);
        let cycleway = tags(&[("highway", "cycleway")]);
        assert!(access(&cycleway, Mode::Bike, &s).is_some() && access(&cycleway, Mode::Car, &s).is_none());
        let motorway = tags(&[("highway", "motorway")]);
        assert_eq!(access(&motorway, Mode::Walk, &s), None);
        assert_eq!(access(&motorway, Mode::Bike, &s), None);
        assert!((access(&motorway, Mode::Car, &s).unwrap() - 110.0 / 3.6).abs() < 1e-12);
        assert_eq!(access(&tags(&[("highway", "steps")]), Mode::Walk, &s), Some(0.5));
        assert_eq!(access(&tags(&[("highway", "residential"), ("access", "private")]), Mode::Car, &s), None);
        assert!(access(&tags(&[("highway", "footway"), ("bicycle", "yes")]), Mode::Bike, &s).is_some());
    }

    #[test]
    fn maxspeed_forms() {
        assert_eq!(parse_maxspeed_km_h("50"), Some(50.0));
        assert_eq!(parse_maxspeed_km_h("IT:urban"), Some(50.0));
        assert!((parse_maxspeed_km_h("30 mph").unwrap() - 48.28032).abs() < 1e-9);
        assert_eq!(parse_maxspeed_km_h("signals"), None);
        let s = OsmSpeeds::default();
        let tagged = tags(&[("highway", "primary"), ("maxspeed", "90")]);
        assert!((access(&tagged, Mode::Car, &s).unwrap() - 25.0).abs() < 1e-12);
    }

    #[test]
    fn oneway_rules() {
        let one = tags(&[("highway", "residential"), ("oneway", "yes")]);
        assert_eq!(directions(&one, Mode::Car), (true, false));
        assert_eq!(directions(&one, Mode::Walk), (true, true));
        assert_eq!(directions(&one, Mode::Bike), (true, false));
        let contraflow = tags(&[("highway", "residential"), ("oneway", "yes"), ("oneway:bicycle", "no")]);
        assert_eq!(directions(&contraflow, Mode::Bike), (true, true));
        assert_eq!(directions(&tags(&[("highway", "primary"), ("junction", "roundabout")]), Mode::Car), (true, false));
        assert_eq!(directions(&tags(&[("highway", "primary"), ("oneway", "-1")]), Mode::Car), (false, true));
    }
}
