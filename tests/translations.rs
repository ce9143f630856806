//! Every published layer reads in the seven languages: the coverage,
//! accessibility and siting jobs of the demo (the layers `publish` serves:
//! services, municipalities, accessibility, suggested_sites, and the tables
//! beside them) store a title, an abstract and every field alias in every
//! language, and a style per language whose legend labels all translate.

use capacitymetro::output::i18n::{languages, translate};
use capacitymetro::{run_accessibility, run_coverage, run_siting, AccessibilityOptions, CoverageOptions, Silent};
use capacitymetro::{SitingOptions, Vocabulary};
use gdal::vector::LayerAccess;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("python/capacitymetro/data").join(name)
}

/// The rows of a query, each column as text ("" for NULL).
fn rows(path: &Path, sql: &str) -> Vec<Vec<String>> {
    let dataset = gdal::Dataset::open(path).unwrap();
    let mut result = dataset.execute_sql(sql, None, gdal::vector::sql::Dialect::SQLITE).unwrap().unwrap();
    let columns = result.defn().fields().count();
    result
        .features()
        .map(|f| (0..columns).map(|i| f.field_as_string(i).unwrap().unwrap_or_default()).collect())
        .collect()
}

/// The demo's results: coverage of every category by municipality, then accessibility and new sites.
fn demo(folder: &Path) -> PathBuf {
    let output = folder.join("demo.gpkg");
    let mut coverage = CoverageOptions::default();
    coverage.services.services = Some(data("services.csv"));
    coverage.demand.demand = Some(data("town_centres.csv"));
    coverage.demand.id_field = Some("istat_code".into());
    coverage.demand.name_field = Some("name".into());
    coverage.demand.population_field = Some("population".into());
    coverage.demand.aggregate_by = Some("istat_code".into());
    coverage.demand.display_polygons = Some(data("municipalities.geojson"));
    coverage.demand.display_polygons_key = Some("istat_code".into());
    coverage.output_layer = "municipalities".into();
    coverage.output.output = Some(output.clone());
    run_coverage(&coverage, None, &Silent, None).unwrap();
    let mut access = AccessibilityOptions {
        services: coverage.services.clone(),
        demand: coverage.demand.clone(),
        ..Default::default()
    };
    access.output.output = Some(output.clone());
    access.output.append = true;
    run_accessibility(&access, None, &Silent, None).unwrap();
    let siting = SitingOptions {
        services: coverage.services.clone(),
        demand: coverage.demand.clone(),
        output: access.output.clone(),
        category: Some("legal".into()),
        ..Default::default()
    };
    run_siting(&siting, None, &Silent, None).unwrap();
    output
}

/// The values of `attribute="..."` in a QML document and the `<Title>`s of an SLD (XML-escaped text).
fn legend_texts(qml: &str, sld: &str) -> BTreeSet<String> {
    let unescape = |s: &str| {
        s.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"").replace("&apos;", "'").replace("&amp;", "&")
    };
    let mut texts = BTreeSet::new();
    for piece in qml.split(" label=\"").skip(1) {
        texts.insert(unescape(&piece[..piece.find('"').unwrap()]));
    }
    for piece in sld.split("<Title>").skip(1) {
        texts.insert(unescape(&piece[..piece.find("</Title>").unwrap()]));
    }
    texts
}

#[test]
fn every_published_layer_has_its_texts_and_legends_in_seven_languages() {
    let folder = tempfile::tempdir().unwrap();
    let path = demo(folder.path());
    let languages = languages();
    assert_eq!(languages.join(","), "it,en,fr,ar,bn,uk,zh");
    let mut missing = BTreeSet::new();
    let mut check = |english: &str| {
        for language in languages.iter().filter(|l| *l != "it") {
            if translate(english, language).is_none() {
                missing.insert(format!("{language}: {english}"));
            }
        }
    };
    // titles, abstracts and field aliases: the English source texts the core declared
    let layers = rows(&path, "select layer_name, title_en, abstract_en from capacitymetro_layers");
    let names: BTreeSet<&str> = layers.iter().map(|r| r[0].as_str()).collect();
    for published in ["services", "municipalities", "accessibility", "suggested_sites"] {
        assert!(names.contains(published), "{published} in {names:?}");
    }
    for row in &layers {
        check(&row[1]);
        check(&row[2]);
    }
    for row in rows(&path, "select title_en from capacitymetro_fields") {
        check(&row[0]);
    }
    // the legends: every style of every layer also in English, whose labels all translate
    let styles = rows(
        &path,
        "select f_table_name, styleName, styleQML, styleSLD from layer_styles where description not like '%]'",
    );
    assert!(!styles.is_empty());
    for style in &styles {
        for language in languages {
            let name = format!("{}_{language}", style[1]);
            let sql = format!(
                "select styleQML, styleSLD from layer_styles where f_table_name = '{}' and styleName = '{}'",
                style[0],
                name.replace('\'', "''")
            );
            let found = rows(&path, &sql);
            assert_eq!(found.len(), 1, "{}: style {name}", style[0]);
            if language == "en" {
                let texts = legend_texts(&found[0][0], &found[0][1]);
                assert!(!texts.is_empty(), "{name}");
                texts.iter().for_each(|t| check(t));
            }
        }
    }
    assert!(missing.is_empty(), "untranslated:\n{}", missing.into_iter().collect::<Vec<_>>().join("\n"));
    // stored: one row per language for every layer and every field
    let stored = rows(
        &path,
        "select t.layer_name, t.field_name, count(distinct t.language), min(length(t.title)) \
         from capacitymetro_translations t group by t.layer_name, t.field_name",
    );
    let fields = rows(&path, "select count(*) from capacitymetro_fields")[0][0].parse::<usize>().unwrap();
    assert_eq!(stored.len(), layers.len() + fields);
    for row in &stored {
        assert_eq!(row[2], "7", "{row:?}");
        assert_ne!(row[3], "0", "{row:?}: an empty title");
    }
    // the Chinese legend of the services shows the vocabulary's Chinese labels
    let vocabulary: &Vocabulary = capacitymetro::vocabulary();
    let services = rows(&path, "select styleQML from layer_styles where styleName = 'services_zh'");
    for c in &vocabulary.categories {
        assert!(services[0][0].contains(&c.labels["zh"]), "{}", c.id);
    }
}
