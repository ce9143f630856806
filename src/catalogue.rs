//! The service catalogue: one record per service desk, the category
//! vocabulary and the validation of a catalogue layer.
//!
//! Validation reports every problem at once, each naming the layer, the
//! feature and the field, so a catalogue can be fixed in one pass.

use crate::crs::WorkingCrs;
use crate::error::{Error, Problem, Result};
use crate::io::{read_layer, LayerSource};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

/// The vocabulary file, shared with the QGIS plugin and the style generator.
const VOCABULARY_JSON: &str = include_str!("../styles/categories.json");

/// ISO 639-1 two-letter language codes.
const ISO_639_1: &str = "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv cy \
da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia id ie ig ii ik io \
is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na \
nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss \
st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu";

/// The language codes a catalogue accepts (ISO 639-1), alphabetical.
pub fn language_codes() -> impl Iterator<Item = &'static str> {
    ISO_639_1.split_whitespace()
}

/// One category of the controlled vocabulary.
#[derive(Debug, Clone, Deserialize)]
pub struct CategoryDef {
    /// Stable key, e.g. `legal`.
    pub id: String,
    /// Map colour, `#rrggbb`.
    pub colour: String,
    /// Map marker name.
    pub marker: String,
    /// Label per language code (it, en, fr, ar, bn, uk, zh).
    pub labels: BTreeMap<String, String>,
}

/// Colours of the other output layers (see `styles/categories.json`).
#[derive(Debug, Clone, Deserialize)]
pub struct Palettes {
    /// Travel-time bands, from the quickest.
    pub bands: Vec<String>,
    /// Accessibility quintiles, from the lowest.
    pub access: Vec<String>,
    /// Service gaps, from no gap to the largest.
    pub gaps: Vec<String>,
    /// Suggested new sites.
    pub sites: String,
}

/// The category vocabulary and the map palettes.
#[derive(Debug, Clone, Deserialize)]
pub struct Vocabulary {
    pub label_languages: Vec<String>,
    pub categories: Vec<CategoryDef>,
    pub palettes: Palettes,
}

impl Vocabulary {
    /// Position of a category id in the vocabulary.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.categories.iter().position(|c| c.id == id)
    }

    /// Positions of category ids; every category when `ids` is empty.
    pub fn indices_of(&self, ids: &[String]) -> Result<Vec<usize>> {
        if ids.is_empty() {
            return Ok((0..self.categories.len()).collect());
        }
        ids.iter()
            .map(|id| {
                self.index_of(id).ok_or_else(|| Error::parameter("categories", format!("unknown category '{id}'")))
            })
            .collect()
    }

    /// The category ids, in vocabulary order.
    pub fn ids(&self) -> Vec<&str> {
        self.categories.iter().map(|c| c.id.as_str()).collect()
    }

    /// Parses a list of category ids into a bit set, naming the first unknown id.
    pub fn parse_set<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Result<CategorySet, String> {
        let mut set = CategorySet::EMPTY;
        for id in ids {
            match self.index_of(id) {
                Some(i) => set = set.with(i),
                None => return Err(format!("unknown category '{id}' (known: {})", self.ids().join(", "))),
            }
        }
        Ok(set)
    }
}

/// The vocabulary compiled into the core.
pub fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| serde_json::from_str(VOCABULARY_JSON).expect("styles/categories.json is valid"))
}

/// A set of categories as bits (the vocabulary holds at most 32).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CategorySet(pub u32);

/// Serialised as the list of category ids.
impl serde::Serialize for CategorySet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let categories = &vocabulary().categories;
        serializer.collect_seq(self.indices().filter_map(|i| categories.get(i)).map(|c| c.id.as_str()))
    }
}

impl CategorySet {
    pub const EMPTY: CategorySet = CategorySet(0);

    pub fn with(self, index: usize) -> Self {
        CategorySet(self.0 | (1 << index))
    }

    pub fn contains(self, index: usize) -> bool {
        self.0 & (1 << index) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Category indices in the set, ascending.
    pub fn indices(self) -> impl Iterator<Item = usize> {
        (0..32).filter(move |i| self.contains(*i))
    }
}

/// Who runs a service desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OperatorKind {
    Public,
    ThirdSector,
    Infopoint,
}

impl OperatorKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [OperatorKind; 3] = [OperatorKind::Public, OperatorKind::ThirdSector, OperatorKind::Infopoint];

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "public" => Some(OperatorKind::Public),
            "third_sector" => Some(OperatorKind::ThirdSector),
            "infopoint" => Some(OperatorKind::Infopoint),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OperatorKind::Public => "public",
            OperatorKind::ThirdSector => "third_sector",
            OperatorKind::Infopoint => "infopoint",
        }
    }
}

/// Step-free access to a desk, as OpenStreetMap's `wheelchair` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Wheelchair {
    Yes,
    Limited,
    No,
}

impl Wheelchair {
    /// Every value, in the order forms list them.
    pub const ALL: [Wheelchair; 3] = [Wheelchair::Yes, Wheelchair::Limited, Wheelchair::No];

    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "yes" => Some(Wheelchair::Yes),
            "limited" => Some(Wheelchair::Limited),
            "no" => Some(Wheelchair::No),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Wheelchair::Yes => "yes",
            Wheelchair::Limited => "limited",
            Wheelchair::No => "no",
        }
    }
}

/// A service desk as validated from the catalogue.
///
/// # Units
/// `x`, `y` in the working CRS (metres); `capacity` in users per week.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Service {
    pub id: String,
    pub name: String,
    pub operator: String,
    pub operator_kind: Option<OperatorKind>,
    pub categories: CategorySet,
    pub languages: Vec<String>,
    pub opening_hours: String,
    pub address: String,
    pub municipality_istat: String,
    pub phone: String,
    pub email: String,
    pub website: String,
    pub appointment_required: Option<bool>,
    /// Step-free access; unknown when `None`.
    pub wheelchair: Option<Wheelchair>,
    pub capacity: f64,
    pub updated_at: String,
    pub x: f64,
    pub y: f64,
}

/// The catalogue's fields, in output order.
pub const FIELDS: [&str; 16] = [
    "id",
    "name",
    "operator",
    "operator_kind",
    "categories",
    "languages",
    "opening_hours",
    "address",
    "municipality_istat",
    "phone",
    "email",
    "website",
    "appointment_required",
    "wheelchair",
    "capacity",
    "updated_at",
];

/// The catalogue field a layer's field stands for: itself, or the field
/// whose name a Shapefile cut to 10 characters (`opening_ho`).
pub fn canonical_field(name: &str) -> &str {
    FIELDS.iter().find(|f| name.len() == 10 && f.len() > 10 && f.starts_with(name)).copied().unwrap_or(name)
}

/// A feature as read from a catalogue layer, before validation: field
/// values as text (absent or null fields as `None`) and a point, if any.
#[derive(Debug, Clone)]
pub struct RawFeature {
    /// The layer's feature id, used when the `id` field is empty.
    pub fid: u64,
    pub fields: BTreeMap<String, String>,
    /// The point in the working CRS; `Err` holds why there is none.
    pub point: Result<[f64; 2], String>,
}

/// Splits a list field: `a;b`, `a, b`, a JSON-like `["a","b"]` or QGIS's
/// array text `{a,b}` (what its multi-select widgets write to a text field).
pub fn split_list(text: &str) -> Vec<&str> {
    text.trim_matches(|c| matches!(c, '[' | ']' | '(' | ')' | '{' | '}'))
        .split([';', ',', '|'])
        .map(|s| s.trim().trim_matches('"').trim())
        .filter(|s| !s.is_empty())
        .collect()
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "si" | "sì" => Some(true),
        "0" | "false" | "no" | "n" => Some(false),
        _ => None,
    }
}

/// Validates raw catalogue features and returns the services, or every
/// problem found (unknown category or language, malformed ISTAT code,
/// unparsable opening hours, duplicate id, missing or non-point geometry,
/// empty name, bad capacity).
pub fn validate(layer: &str, features: &[RawFeature]) -> Result<Vec<Service>> {
    let vocabulary = vocabulary();
    let languages: HashSet<&str> = language_codes().collect();
    let mut problems = Vec::new();
    let mut seen_ids = HashSet::new();
    let mut services = Vec::with_capacity(features.len());
    if features.is_empty() {
        return Err(Error::input(layer, None, None, "the layer has no features"));
    }
    for feature in features {
        let text = |name: &str| feature.fields.get(name).map(|s| s.trim()).unwrap_or("");
        let id = text("id");
        let label = if id.is_empty() { format!("fid {}", feature.fid) } else { id.to_string() };
        let mut problem = |field: &str, message: String| {
            problems.push(Problem::new(layer, Some(label.clone()), Some(field), message));
        };
        if id.is_empty() {
            problem("id", "empty id".into());
        } else if !seen_ids.insert(id.to_string()) {
            problem("id", format!("duplicate id '{id}'"));
        }
        if text("name").is_empty() {
            problem("name", "empty name".into());
        }
        let categories = split_list(text("categories"));
        let mut category_set = CategorySet::EMPTY;
        if categories.is_empty() {
            problem("categories", "no category".into());
        }
        for category in categories {
            match vocabulary.parse_set([category]) {
                Ok(set) => category_set = CategorySet(category_set.0 | set.0),
                Err(message) => problem("categories", message),
            }
        }
        let mut service_languages = Vec::new();
        for code in split_list(text("languages")) {
            if languages.contains(code.to_ascii_lowercase().as_str()) {
                service_languages.push(code.to_ascii_lowercase());
            } else {
                problem("languages", format!("unknown language code '{code}' (expected ISO 639-1, e.g. it, en, ar)"));
            }
        }
        let istat = text("municipality_istat");
        if !istat.is_empty() && (istat.len() != 6 || !istat.bytes().all(|b| b.is_ascii_digit())) {
            problem("municipality_istat", format!("malformed ISTAT code '{istat}' (expected 6 digits, e.g. 027042)"));
        }
        let hours = text("opening_hours");
        if let Some(message) = crate::opening_text::problem(hours) {
            problem("opening_hours", format!("unparsable opening_hours '{hours}': {message}"));
        }
        let kind_text = text("operator_kind");
        let operator_kind = OperatorKind::parse(kind_text);
        if !kind_text.is_empty() && operator_kind.is_none() {
            problem("operator_kind", format!("unknown operator_kind '{kind_text}' (public, third_sector, infopoint)"));
        }
        let capacity = match text("capacity") {
            "" => 1.0,
            value => match value.parse::<f64>() {
                Ok(c) if c.is_finite() && c > 0.0 => c,
                _ => {
                    problem("capacity", format!("capacity '{value}' is not a positive number"));
                    1.0
                }
            },
        };
        let appointment = text("appointment_required");
        let appointment_required = if appointment.is_empty() { None } else { parse_bool(appointment) };
        if !appointment.is_empty() && appointment_required.is_none() {
            problem("appointment_required", format!("'{appointment}' is not yes/no"));
        }
        let wheelchair_text = text("wheelchair");
        let wheelchair = Wheelchair::parse(wheelchair_text);
        if !wheelchair_text.is_empty() && wheelchair.is_none() {
            problem(
                "wheelchair",
                format!("'{wheelchair_text}' is not yes, limited or no (as OpenStreetMap's wheelchair)"),
            );
        }
        let point = match &feature.point {
            Ok(p) => *p,
            Err(message) => {
                problem("geometry", message.clone());
                [f64::NAN, f64::NAN]
            }
        };
        services.push(Service {
            id: id.to_string(),
            name: text("name").to_string(),
            operator: text("operator").to_string(),
            operator_kind,
            categories: category_set,
            languages: service_languages,
            opening_hours: hours.to_string(),
            address: text("address").to_string(),
            municipality_istat: istat.to_string(),
            phone: text("phone").to_string(),
            email: text("email").to_string(),
            website: text("website").to_string(),
            appointment_required,
            wheelchair,
            capacity,
            updated_at: text("updated_at").to_string(),
            x: point[0],
            y: point[1],
        });
    }
    if problems.is_empty() {
        Ok(services)
    } else {
        Err(Error::Catalogue(problems))
    }
}

/// Whether a desk with these OpenStreetMap `opening_hours` is open at a
/// wall-clock time (of the desk's zone, Europe/Rome for the catalogue).
/// Public holidays are not known here; an unparsable value is an error.
pub fn is_open(opening_hours: &str, local_time: chrono::NaiveDateTime) -> Result<bool> {
    Ok(crate::opening_text::parse(opening_hours)?.is_open(local_time))
}

/// Reads and validates a service catalogue, reprojected to the working CRS
/// (the named EPSG code, or the UTM zone of the catalogue's centre).
/// Returns the services, the working CRS and the layer's name (for messages).
pub fn read_services(source: &LayerSource, working_epsg: Option<u32>) -> Result<(Vec<Service>, WorkingCrs, String)> {
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
                .filter_map(|(k, v)| v.clone().map(|v| (canonical_field(k).to_string(), v)))
                .collect(),
            point: match (&f.geometry, &transformer) {
                (Some(geo::Geometry::Point(p)), Some(t)) => t.apply([p.x(), p.y()]).map_err(|e| e.to_string()),
                (Some(geo::Geometry::Point(_)), None) => unreachable!("a point gives the layer a centre"),
                (Some(other), _) => Err(format!("geometry is a {}, expected a point", crate::io::geometry_kind(other))),
                (None, _) => Err("missing geometry".to_string()),
            },
        })
        .collect();
    let services = validate(&layer.name, &raw)?;
    Ok((services, working.expect("valid services have points, so the layer has a centre"), layer.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feature(fields: &[(&str, &str)]) -> RawFeature {
        RawFeature {
            fid: 1,
            fields: fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            point: Ok([0.0, 0.0]),
        }
    }

    #[test]
    fn vocabulary_has_eleven_categories_with_seven_labels() {
        let v = vocabulary();
        assert_eq!(v.categories.len(), 11);
        for c in &v.categories {
            for lang in &v.label_languages {
                assert!(c.labels.contains_key(lang), "{} lacks {lang}", c.id);
            }
        }
    }

    #[test]
    fn shapefile_field_names_map_to_catalogue_fields() {
        assert_eq!(canonical_field("opening_ho"), "opening_hours");
        assert_eq!(canonical_field("municipali"), "municipality_istat");
        assert_eq!(canonical_field("name"), "name");
        assert_eq!(canonical_field("unrelated_"), "unrelated_");
    }

    #[test]
    fn valid_feature_passes() {
        let f = feature(&[
            ("id", "a"),
            ("name", "Desk"),
            ("categories", "legal;health"),
            ("languages", "it, en"),
            ("opening_hours", "Mo-Fr 09:00-13:00"),
            ("municipality_istat", "027042"),
        ]);
        let s = validate("services", &[f]).unwrap();
        assert_eq!(s[0].categories.indices().collect::<Vec<_>>(), vec![0, 5]);
        assert_eq!(s[0].capacity, 1.0);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut bad = feature(&[
            ("id", "a"),
            ("name", ""),
            ("categories", "legal;spa"),
            ("languages", "xx"),
            ("opening_hours", "Mo-Fr 25:00-99"),
            ("municipality_istat", "27042"),
        ]);
        bad.point = Err("geometry is a LineString, expected a point".into());
        let dup = feature(&[("id", "a"), ("name", "B"), ("categories", "work")]);
        let Err(Error::Catalogue(problems)) = validate("services", &[bad, dup]) else { panic!() };
        let fields: Vec<_> = problems.iter().map(|p| p.field.clone().unwrap()).collect();
        assert_eq!(
            fields,
            ["name", "categories", "languages", "municipality_istat", "opening_hours", "geometry", "id"]
        );
        assert!(problems.iter().all(|p| p.layer == "services" && p.feature.as_deref() == Some("a")));
    }
}
