//! The job layer: the parameter table against the options structs, option
//! checking, and the schema a job stores with its output.

use capacitymetro::jobs::{job_specs, JobOptions};
use capacitymetro::memory_layer::Column;
use capacitymetro::{run_coverage, CoverageOptions, Error, Silent};
use std::collections::BTreeSet;
use std::path::PathBuf;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/capacitymetro/data").join(name)
}

#[test]
fn every_field_is_in_the_table_with_its_default() {
    // the oracle: the options struct's own Default, serialised
    let defaults = serde_json::to_value(CoverageOptions::default()).unwrap();
    let fields: BTreeSet<&str> = defaults.as_object().unwrap().keys().map(String::as_str).collect();
    let table = CoverageOptions::parameters();
    let names: BTreeSet<&str> = table.iter().map(|p| p.name).collect();
    assert_eq!(fields, names);
    for p in &table {
        assert_eq!(p.default, defaults[p.name], "{}", p.name);
        assert!(!p.help_en.is_empty() && !p.help_it.is_empty(), "{} has no help", p.name);
    }
    for spec in job_specs() {
        let unique: BTreeSet<&str> = spec.parameters.iter().map(|p| p.name).collect();
        assert_eq!(unique.len(), spec.parameters.len(), "{}: a name twice", spec.name);
    }
}

fn values(json: serde_json::Value) -> serde_json::Map<String, serde_json::Value> {
    json.as_object().unwrap().clone()
}

#[test]
fn options_are_checked_against_the_table() {
    let base = serde_json::json!({"services": "s.csv", "demand": "d.csv"});
    let ok = CoverageOptions::from_values(&values(base.clone())).unwrap();
    assert_eq!(ok.count_within_minutes, 30.0);
    let cases = [
        (serde_json::json!({"minutes": 5}), "minutes", "unknown option"),
        (serde_json::json!({"count_within_minutes": 0}), "count_within_minutes", "greater than 0"),
        (serde_json::json!({"count_within_minutes": "soon"}), "count_within_minutes", "is not a number"),
        (serde_json::json!({"mode": "boat"}), "mode", "'boat' is not one of walk, bike, car"),
        (serde_json::json!({"summary_minutes": []}), "summary_minutes", "non-empty list"),
        (serde_json::json!({"services": null}), "services", "is required"),
    ];
    for (extra, name, message) in cases {
        let mut given = values(base.clone());
        given.extend(values(extra));
        match CoverageOptions::from_values(&given) {
            Err(Error::Parameter { name: got, message: text }) => {
                assert_eq!(got, name);
                assert!(text.contains(message), "{text}");
            }
            other => panic!("{name}: expected a parameter error, got {other:?}"),
        }
    }
}

fn schema_rows(path: &std::path::Path, sql: &str) -> Vec<(String, String)> {
    let dataset = gdal::Dataset::open(path).unwrap();
    let mut rows = Vec::new();
    let mut result = dataset.execute_sql(sql, None, gdal::vector::sql::Dialect::SQLITE).unwrap().unwrap();
    for f in gdal::vector::LayerAccess::features(&mut *result) {
        rows.push((f.field_as_string(0).unwrap().unwrap(), f.field_as_string(1).unwrap().unwrap_or_default()));
    }
    rows
}

/// Coverage of legal help from the demo desks to the town centres, with no output yet.
fn legal_help_at_town_centres() -> CoverageOptions {
    let mut options = CoverageOptions::default();
    options.services.services = Some(data("services.csv"));
    options.demand.demand = Some(data("town_centres.csv"));
    options.demand.id_field = Some("istat_code".into());
    options.categories = vec!["legal".into()];
    options
}

#[test]
fn a_coverage_job_stores_its_schema_and_granularity() {
    let folder = tempfile::tempdir().unwrap();
    let mut options = legal_help_at_town_centres();
    options.output.output = Some(folder.path().join("units.gpkg"));
    let report = run_coverage(&options, None, &Silent, None).unwrap();
    assert_eq!(report.layers, ["services", "coverage", "summary"]);
    // town centres without zones are units of unknown size: never public
    let path = folder.path().join("units.gpkg");
    let layers = schema_rows(&path, "select layer_name, granularity from capacitymetro_layers order by layer_name");
    assert_eq!(
        layers,
        [("coverage".into(), "unit".into()), ("services".into(), "service".into()), ("summary".into(), "total".into())]
    );
    // every written column is described, with the role of the population
    let fields = schema_rows(&path, "select field_name, role from capacitymetro_fields where layer_name = 'coverage'");
    let dataset = gdal::Dataset::open(&path).unwrap();
    let layer = dataset.layer_by_name("coverage").unwrap();
    let columns: Vec<String> = gdal::vector::LayerAccess::defn(&layer).fields().map(|f| f.name()).collect();
    assert_eq!(fields.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(), columns);
    assert!(fields.contains(&("population".into(), "count_of_people".into())));
    // drawn by the municipality polygons, each unit is a zone
    options.demand.display_polygons = Some(data("municipalities.geojson"));
    options.demand.display_polygons_key = Some("istat_code".into());
    options.output.output = Some(folder.path().join("zones.gpkg"));
    run_coverage(&options, None, &Silent, None).unwrap();
    let layers = schema_rows(
        &folder.path().join("zones.gpkg"),
        "select layer_name, granularity from capacitymetro_layers where layer_name = 'coverage'",
    );
    assert_eq!(layers, [("coverage".into(), "zone".into())]);
}

#[test]
fn layers_are_built_only_when_taken_and_memory_holds_what_the_file_holds() {
    let folder = tempfile::tempdir().unwrap();
    let mut options = legal_help_at_town_centres();
    assert!(run_coverage(&options, None, &Silent, None).unwrap().layers.is_empty());
    let mut taken = Vec::new();
    let report = run_coverage(&options, None, &Silent, Some(&mut taken)).unwrap();
    assert_eq!(std::fs::read_dir(folder.path()).unwrap().count(), 0);
    let names: Vec<&str> = taken.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, report.layers);
    // the oracle: the same job's GeoPackage, read back with GDAL
    let path = folder.path().join("out.gpkg");
    options.output.output = Some(path.clone());
    run_coverage(&options, None, &Silent, None).unwrap();
    let dataset = gdal::Dataset::open(&path).unwrap();
    for layer in &taken {
        let mut written = dataset.layer_by_name(&layer.name).unwrap();
        let fields: Vec<String> = gdal::vector::LayerAccess::defn(&written).fields().map(|f| f.name()).collect();
        assert_eq!(fields, layer.columns.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(), "{}", layer.name);
        let features: Vec<_> = gdal::vector::LayerAccess::features(&mut written).collect();
        let stored: Vec<Option<Vec<u8>>> = features.iter().map(|f| f.geometry().map(|g| g.wkb().unwrap())).collect();
        match &layer.wkb {
            Some(wkb) => assert_eq!(wkb, &stored, "{}", layer.name),
            None => assert!(stored.iter().all(Option::is_none), "{}", layer.name),
        }
        for (i, (name, column)) in layer.columns.iter().enumerate() {
            match column {
                Column::Text(v) => {
                    let file: Vec<_> = features.iter().map(|f| f.field_as_string(i).unwrap()).collect();
                    assert_eq!(v, &file, "{name}");
                }
                Column::Integer(v) => {
                    let file: Vec<_> = features.iter().map(|f| f.field_as_integer64(i).unwrap()).collect();
                    assert_eq!(v, &file, "{name}");
                }
                Column::Real(v) => {
                    let file: Vec<_> = features.iter().map(|f| f.field_as_double(i).unwrap()).collect();
                    let memory: Vec<_> = v.iter().map(|x| x.is_finite().then_some(*x)).collect();
                    assert_eq!(memory, file, "{name}");
                }
            }
        }
    }
}

#[test]
fn opening_hours_agree_with_the_shared_cases() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/opening_hours_cases.json");
    let table: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    for case in table["cases"].as_array().unwrap() {
        let hours = case["hours"].as_str().unwrap();
        let at = chrono::NaiveDateTime::parse_from_str(case["at"].as_str().unwrap(), "%Y-%m-%dT%H:%M").unwrap();
        let open = capacitymetro::catalogue::is_open(hours, at).unwrap();
        assert_eq!(open, case["open"].as_bool().unwrap(), "{hours} at {at}");
    }
}
