//! Coverage against brute force, the progress contract, and GeoPackage writing.

use capacitymetro::output::{FieldKind, FieldSchema, Granularity, LayerSchema, OutputLayer, Role, Value};
use capacitymetro::{coverage, CategorySet, CostModel, Error, FacilityIndex, Mode, Silent, StraightLine, WorkingCrs};
use std::cell::Cell;

fn grid(n: usize, step: f64) -> Vec<[f64; 2]> {
    (0..n * n).map(|i| [(i % n) as f64 * step, (i / n) as f64 * step]).collect()
}

#[test]
fn coverage_equals_brute_force_straight_line_times() {
    let services = vec![[0.0, 0.0], [1_000.0, 0.0], [0.0, 2_500.0], [4_000.0, 4_000.0]];
    let sets = vec![CategorySet(0b01), CategorySet(0b10), CategorySet(0b11), CategorySet(0b01)];
    let demand = grid(30, 150.0);
    let index = FacilityIndex::new(services.clone(), sets.clone()).unwrap();
    let model = StraightLine::for_mode(Mode::Walk);
    let costs = model.bind(&index).unwrap();
    let result = coverage(&demand, costs.as_ref(), &[0, 1], 1_200.0, &Silent).unwrap();
    for c in &result {
        for (u, d) in c.units.iter().zip(&demand) {
            let times: Vec<f64> = services
                .iter()
                .zip(&sets)
                .filter(|(_, s)| s.contains(c.category))
                .map(|(p, _)| (p[0] - d[0]).hypot(p[1] - d[1]) * 1.3 / 1.25)
                .collect();
            let best = times.iter().cloned().fold(f64::INFINITY, f64::min);
            assert!((u.nearest.unwrap().time_s - best).abs() < 1e-9);
            assert_eq!(u.count_within as usize, times.iter().filter(|t| **t <= 1_200.0).count());
        }
    }
}

#[test]
fn progress_is_reported_and_a_false_answer_cancels() {
    let index = FacilityIndex::new(vec![[0.0, 0.0]], vec![CategorySet(1)]).unwrap();
    let demand = grid(100, 10.0); // 10,000 points: 40 chunks of 256 per category
    let model = StraightLine::for_mode(Mode::Walk);
    let costs = model.bind(&index).unwrap();
    let calls = Cell::new(0);
    let last = Cell::new((0, 0));
    let record = |done: usize, total: usize| {
        calls.set(calls.get() + 1);
        last.set((done, total));
        true
    };
    coverage(&demand, costs.as_ref(), &[0], 600.0, &record).unwrap();
    assert_eq!(calls.get(), 40);
    assert_eq!(last.get(), (10_000, 10_000));
    let stop = |_: usize, _: usize| false;
    assert!(matches!(coverage(&demand, costs.as_ref(), &[0], 600.0, &stop), Err(Error::Cancelled)));
}

fn named_table(name: &str, rows: Vec<Vec<Value>>) -> OutputLayer {
    let schema = LayerSchema {
        name: name.into(),
        granularity: Granularity::Total,
        title_it: "Tabella".into(),
        title_en: "Table".into(),
        abstract_it: String::new(),
        abstract_en: String::new(),
        fields: vec![FieldSchema::new("a", FieldKind::Integer, Role::CountOfServices, None, "a", "a")],
    };
    OutputLayer { schema, geometry: None, rows: rows.into_iter().map(|r| (None, r)).collect(), styles: Vec::new() }
}

fn table(rows: Vec<Vec<Value>>) -> OutputLayer {
    named_table("t", rows)
}

#[test]
fn a_failed_write_leaves_the_previous_file_untouched() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("out.gpkg");
    let working = WorkingCrs::from_epsg(32633).unwrap();
    capacitymetro::write_geopackage(&path, &[table(vec![vec![Value::Integer(7)]])], &working).unwrap();
    let before = std::fs::read(&path).unwrap();
    // a row with more values than fields fails half way through
    let bad = table(vec![vec![Value::Integer(1)], vec![Value::Integer(1), Value::Integer(2)]]);
    assert!(capacitymetro::write_geopackage(&path, &[bad], &working).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let names: Vec<_> = std::fs::read_dir(folder.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "temporary file left behind: {names:?}");
}

#[test]
fn adding_layers_keeps_the_others_and_replaces_same_names() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("out.gpkg");
    let working = WorkingCrs::from_epsg(32633).unwrap();
    let named = |name: &str, v: i64| named_table(name, vec![vec![Value::Integer(v)]]);
    capacitymetro::write_geopackage(&path, &[named("first", 1), named("second", 2)], &working).unwrap();
    capacitymetro::output::add_to_geopackage(&path, &[named("second", 20), named("third", 3)], &working).unwrap();
    let dataset = gdal::Dataset::open(&path).unwrap();
    let mut names: Vec<String> = dataset.layers().map(|l| gdal::vector::LayerAccess::name(&l)).collect();
    names.sort();
    let tables = ["capacitymetro_fields", "capacitymetro_layers", "capacitymetro_translations"];
    assert_eq!(names, [&tables[..], &["first", "second", "third"]].concat());
    let mut second = dataset.layer_by_name("second").unwrap();
    let value = gdal::vector::LayerAccess::features(&mut second).next().unwrap().field_as_integer64(0).unwrap();
    assert_eq!(value, Some(20));
}
