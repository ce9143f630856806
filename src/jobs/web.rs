//! The public page's data: the desks as GeoJSON (written with geozero), the
//! places a person can start from, and per desk a compact grid of travel
//! times from the cost model in use, so that the page sorts desks by time
//! without knowing how the times were made.
//!
//! A grid is laid in longitude and latitude (the page has no projection
//! code): cells of about `cell_m`, one byte each, the whole minutes (rounded
//! up) from the cell's centre to the desk, 255 beyond `max_minutes`. Rows
//! run from the south, columns from the west. Every desk's grid lies on one
//! lattice, so each cell is asked once for every desk within reach.

use super::inputs::TravelInput;
use super::params::Kind;
use super::prepare::{network_for, prepare};
use super::{check, required, seconds};
use crate::catalogue::{vocabulary, Service};
use crate::crs::Transformer;
use crate::error::{Error, Result};
use crate::io::{project, read_layer, LayerSource};
use crate::job_options;
use crate::network::Network;
use crate::progress::{par_map_chunked, Progress};
use geozero::geojson::GeoJsonWriter;
use geozero::{ColumnValue, FeatureProcessor, GeozeroGeometry, PropertyProcessor};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Metres in a degree of latitude (and of longitude at the equator).
const METRES_PER_DEGREE: f64 = 111_320.0;
/// A byte that means "not within `max_minutes`".
pub const UNREACHED: u8 = 255;
/// The most cells all grids together may have: about 64 MB of work.
const MAX_CELLS: usize = 4_000_000;
/// Written into meta.json; a folder holding it was made by this exporter.
const GENERATOR: &str = "capacitymetro web data";

job_options! {
    /// Options of the public page's data.
    pub struct WebDataOptions {
        flatten { travel: TravelInput }
        /// A results GeoPackage (its public copy): the desks are read from its `services` layer.
        #[param(kind(Kind::File), required(true), it("GeoPackage dei risultati (la sua copia pubblica)"))]
        pub results: Option<PathBuf> = None,
        /// The site folder; the page's data go into its `data` folder (replaced as a whole when it holds earlier data of this kind; other files are left alone).
        #[param(kind(Kind::Folder), required(true), it("La cartella del sito; i dati della pagina vanno nella sua cartella data"))]
        pub output_dir: Option<PathBuf> = None,
        /// The longest trip the page lists; desks farther away show as beyond it.
        #[param(kind(Kind::Number), unit("min"), positive(0.0), max(240.0), it("Il viaggio più lungo che la pagina elenca"))]
        pub max_minutes: f64 = 60.0,
        /// Cell of the travel-time grids.
        #[param(kind(Kind::Number), unit("m"), min(25.0), max(2000.0), it("Cella delle griglie dei tempi di viaggio"))]
        pub cell_m: f64 = 150.0,
        /// Places a person can start from (municipalities, localities): points with a name.
        #[param(kind(Kind::Layer), geometry("point"), it("Luoghi di partenza (comuni, località): punti con un nome"))]
        pub places: Option<PathBuf> = None,
        /// Field of the places with their name.
        #[param(kind(Kind::Field), parent("places"), it("Campo dei luoghi con il loro nome"))]
        pub places_name_field: String = "name".to_string(),
        /// Polygons drawn under the desks when no basemap answers (e.g. municipality boundaries).
        #[param(kind(Kind::Layer), geometry("polygon"), it("Poligoni disegnati sotto gli sportelli quando la mappa di base non risponde"))]
        pub boundaries: Option<PathBuf> = None,
        /// Title of the page. Default: the title in the page's own strings.
        #[param(kind(Kind::Text), it("Titolo della pagina"))]
        pub title: Option<String> = None,
        /// Basemap tiles, an {z}/{x}/{y} URL; `none` (or empty) for none: the page is list first and works without.
        #[param(kind(Kind::Text), it("Tessere della mappa di base (URL {z}/{x}/{y}); none (o vuoto) per nessuna"))]
        pub basemap_url: Option<String> = Some("https://tile.openstreetmap.org/{z}/{x}/{y}.png".to_string()),
        /// Attribution shown with the basemap.
        #[param(kind(Kind::Text), it("Attribuzione della mappa di base"))]
        pub basemap_attribution: String = "© OpenStreetMap contributors".to_string(),
        /// A WMS endpoint whose layers the page offers as overlays.
        #[param(kind(Kind::Text), it("Un servizio WMS i cui layer la pagina offre come sovrapposizioni"))]
        pub wms_url: Option<String> = None,
        /// The WMS layers to offer, by name, separated by commas.
        #[param(kind(Kind::Text), advanced(true), it("I layer WMS da offrire, per nome, separati da virgole"))]
        pub wms_layers: String = "services".to_string(),
    }
}

/// One desk's grid in a category file.
#[derive(Debug, Clone, Serialize)]
pub struct DeskGrid {
    pub id: String,
    /// South-west corner of the first cell, degrees.
    pub lon0: f64,
    pub lat0: f64,
    pub cols: usize,
    pub rows: usize,
    /// Where the grid starts in the category's file, bytes.
    pub offset: usize,
}

/// What the page's data holds.
#[derive(Debug, Clone, Serialize)]
pub struct WebDataReport {
    pub desks: usize,
    pub places: usize,
    /// File name -> bytes, for the size budget.
    pub files: BTreeMap<String, u64>,
    pub cost_model: &'static str,
    pub mode: &'static str,
    /// Cell size in degrees.
    pub dlon: f64,
    pub dlat: f64,
    /// The hosts the page loads images from besides its own: basemap and WMS URLs as given.
    pub image_hosts: Vec<String>,
}

/// The lattice all grids lie on.
#[derive(Debug, Clone, Copy)]
struct Lattice {
    dlon: f64,
    dlat: f64,
}

/// A desk's box on the lattice: columns `c0..c0 + cols`, rows `r0..r0 + rows`.
#[derive(Debug, Clone, Copy)]
struct DeskBox {
    c0: i64,
    r0: i64,
    cols: usize,
    rows: usize,
}

impl DeskBox {
    fn index(&self, c: i64, r: i64) -> Option<usize> {
        let (dc, dr) = (c - self.c0, r - self.r0);
        (dc >= 0 && dr >= 0 && (dc as usize) < self.cols && (dr as usize) < self.rows)
            .then(|| dr as usize * self.cols + dc as usize)
    }
}

fn file_error(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |e| Error::io(path.display(), e)
}

/// Writes the page's data into `output_dir`: `meta.json`,
/// `services.geojson`, `times/<category>.bin` and, when given,
/// `boundaries.geojson`.
pub fn run_web_data(
    options: &WebDataOptions,
    network: Option<Arc<Network>>,
    progress: &dyn Progress,
) -> Result<WebDataReport> {
    check(options)?;
    let results = required(&options.results, "results")?;
    let output_dir = &required(&options.output_dir, "output_dir")?.join("data");
    for (name, url) in [("basemap_url", basemap_url(options)), ("wms_url", options.wms_url.as_deref())] {
        if url.is_some_and(|u| !(u.starts_with("https://") || u.starts_with("http://"))) {
            return Err(Error::parameter(name, format!("'{}' is not an http(s) URL", url.unwrap_or_default())));
        }
    }
    let max_s = seconds(options.max_minutes);
    let network = network_for(&options.travel, network)?;
    let services_input = super::inputs::ServicesInput {
        services: Some(results.clone()),
        services_layer: Some("services".to_string()),
        working_epsg: None,
        strict: false,
    };
    prepare(&services_input, &options.travel, None, None, network.as_deref(), |prepared, model| {
        let working = prepared.working_crs.definition();
        let to_lonlat = Transformer::new(&working, "EPSG:4326")?;
        let from_lonlat = Transformer::new("EPSG:4326", &working)?;
        let desks_lonlat = prepared.services.iter().map(|s| to_lonlat.apply([s.x, s.y])).collect::<Result<Vec<_>>>()?;
        let mean_lat = desks_lonlat.iter().map(|p| p[1]).sum::<f64>() / desks_lonlat.len() as f64;
        let lattice = Lattice {
            dlat: options.cell_m / METRES_PER_DEGREE,
            dlon: options.cell_m / (METRES_PER_DEGREE * mean_lat.to_radians().cos().max(0.01)),
        };
        let reach_m = max_s * model.max_speed_m_s();
        let boxes: Vec<DeskBox> = desks_lonlat.iter().map(|p| desk_box(*p, reach_m, lattice)).collect();
        let total: usize = boxes.iter().map(|b| b.cols * b.rows).sum();
        if total > MAX_CELLS {
            return Err(Error::parameter(
                "cell_m",
                format!(
                    "{} m cells make {total} grid cells for {} desks (at most {MAX_CELLS}): use larger cells or fewer minutes",
                    options.cell_m,
                    boxes.len()
                ),
            ));
        }
        let grids = desk_grids(&boxes, lattice, &from_lonlat, model.as_dyn(), &prepared.index, max_s, progress)?;
        let (boxes, grids): (Vec<DeskBox>, Vec<Vec<u8>>) =
            boxes.iter().zip(grids).map(|(b, grid)| cropped_to_reached(*b, grid)).unzip();
        let staging = staging_folder(output_dir)?;
        let written = (|| {
            let mut files = BTreeMap::new();
            let times = write_grids(&staging, &prepared.services, &boxes, &grids, lattice, &mut files)?;
            let path = staging.join("services.geojson");
            write_services(&path, &prepared.services, &desks_lonlat)?;
            files.insert("services.geojson".into(), size(&path));
            let places = match &options.places {
                Some(p) => read_places(p, &options.places_name_field)?,
                None => Vec::new(),
            };
            let has_boundaries = match &options.boundaries {
                Some(p) => {
                    let path = staging.join("boundaries.geojson");
                    write_boundaries(p, &path)?;
                    files.insert("boundaries.geojson".into(), size(&path));
                    true
                }
                None => false,
            };
            let titles = layer_titles(results);
            let meta = meta_json(options, &prepared.services, &places, times, lattice, has_boundaries, &titles);
            let path = staging.join("meta.json");
            let text = serde_json::to_string_pretty(&meta).map_err(|e| Error::io(path.display(), e))?;
            std::fs::write(&path, text).map_err(file_error(&path))?;
            files.insert("meta.json".into(), size(&path));
            Ok::<_, Error>((files, places.len()))
        })();
        let (files, places) = match written {
            Ok(done) => done,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&staging);
                return Err(e);
            }
        };
        move_into_place(&staging, output_dir)?;
        Ok(WebDataReport {
            desks: prepared.services.len(),
            places,
            files,
            cost_model: model.name(),
            mode: options.travel.mode.as_str(),
            dlon: lattice.dlon,
            dlat: lattice.dlat,
            image_hosts: basemap_url(options)
                .into_iter()
                .chain(options.wms_url.as_deref())
                .map(str::to_string)
                .collect(),
        })
    })
}

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// The box of lattice cells within `reach_m` of a desk (one cell of margin).
fn desk_box(lonlat: [f64; 2], reach_m: f64, lattice: Lattice) -> DeskBox {
    let metres_per_dlon = lattice.dlon * METRES_PER_DEGREE * lonlat[1].to_radians().cos().max(0.01);
    let half_c = (reach_m / metres_per_dlon).ceil() as i64 + 1;
    let half_r = (reach_m / (lattice.dlat * METRES_PER_DEGREE)).ceil() as i64 + 1;
    let c = (lonlat[0] / lattice.dlon).floor() as i64;
    let r = (lonlat[1] / lattice.dlat).floor() as i64;
    DeskBox { c0: c - half_c, r0: r - half_r, cols: (2 * half_c + 1) as usize, rows: (2 * half_r + 1) as usize }
}

/// Every desk's grid: each lattice cell of any box is asked once, by the
/// cost model, for the desks within `max_s`.
fn desk_grids(
    boxes: &[DeskBox],
    lattice: Lattice,
    from_lonlat: &Transformer,
    model: &dyn crate::cost::CostModel,
    index: &crate::index::FacilityIndex,
    max_s: f64,
    progress: &dyn Progress,
) -> Result<Vec<Vec<u8>>> {
    let mut cells: Vec<(i64, i64)> = boxes
        .iter()
        .flat_map(|b| (0..b.rows as i64).flat_map(move |r| (0..b.cols as i64).map(move |c| (b.c0 + c, b.r0 + r))))
        .collect();
    cells.sort_unstable();
    cells.dedup();
    // PROJ is not shared across threads: project the cell centres here, once.
    let points = cells
        .iter()
        .map(|&(c, r)| from_lonlat.apply([(c as f64 + 0.5) * lattice.dlon, (r as f64 + 0.5) * lattice.dlat]))
        .collect::<Result<Vec<_>>>()?;
    let costs = model.bind(index)?;
    let reached = par_map_chunked(points.len(), 2048, progress, |i| costs.within(points[i], None, max_s))?;
    let mut grids: Vec<Vec<u8>> = boxes.iter().map(|b| vec![UNREACHED; b.cols * b.rows]).collect();
    for (&(c, r), found) in cells.iter().zip(&reached) {
        for reach in found {
            if let Some(k) = boxes[reach.service].index(c, r) {
                grids[reach.service][k] = minutes_byte(reach.time_s, max_s);
            }
        }
    }
    Ok(grids)
}

/// A desk's box and grid cut to the cells it reaches (one unreached cell when
/// none): the box is as wide as the fastest travel, but a waterbus reaches a
/// ribbon along its lines, and a phone should not download the lagoon.
fn cropped_to_reached(b: DeskBox, grid: Vec<u8>) -> (DeskBox, Vec<u8>) {
    let (mut c0, mut r0, mut c1, mut r1) = (usize::MAX, usize::MAX, 0, 0);
    for (k, _) in grid.iter().enumerate().filter(|(_, &t)| t != UNREACHED) {
        let (c, r) = (k % b.cols, k / b.cols);
        (c0, r0, c1, r1) = (c0.min(c), r0.min(r), c1.max(c), r1.max(r));
    }
    if c0 == usize::MAX {
        let (c, r) = (b.cols / 2, b.rows / 2);
        return (DeskBox { c0: b.c0 + c as i64, r0: b.r0 + r as i64, cols: 1, rows: 1 }, vec![UNREACHED]);
    }
    let (cols, rows) = (c1 - c0 + 1, r1 - r0 + 1);
    let cut = (r0..=r1).flat_map(|r| grid[r * b.cols + c0..r * b.cols + c0 + cols].iter().copied()).collect();
    (DeskBox { c0: b.c0 + c0 as i64, r0: b.r0 + r0 as i64, cols, rows }, cut)
}

/// Whole minutes, rounded up (a trip of 10.2 minutes shows as 11), as a byte.
pub fn minutes_byte(time_s: f64, max_s: f64) -> u8 {
    if time_s <= max_s {
        (time_s / 60.0 - 1e-9).ceil().max(0.0) as u8
    } else {
        UNREACHED
    }
}

/// One file per category holding the grids of its desks; returns the index meta.json carries.
fn write_grids(
    folder: &Path,
    services: &[Service],
    boxes: &[DeskBox],
    grids: &[Vec<u8>],
    lattice: Lattice,
    files: &mut BTreeMap<String, u64>,
) -> Result<BTreeMap<String, serde_json::Value>> {
    let times = folder.join("times");
    std::fs::create_dir_all(&times).map_err(file_error(&times))?;
    let mut index = BTreeMap::new();
    for (category, def) in vocabulary().categories.iter().enumerate() {
        let mut bytes = Vec::new();
        let mut desks = Vec::new();
        for (s, service) in services.iter().enumerate().filter(|(_, s)| s.categories.contains(category)) {
            let b = boxes[s];
            desks.push(DeskGrid {
                id: service.id.clone(),
                lon0: b.c0 as f64 * lattice.dlon,
                lat0: b.r0 as f64 * lattice.dlat,
                cols: b.cols,
                rows: b.rows,
                offset: bytes.len(),
            });
            bytes.extend_from_slice(&grids[s]);
        }
        if desks.is_empty() {
            continue;
        }
        let name = format!("times/{}.bin", def.id);
        let path = folder.join(&name);
        std::fs::write(&path, &bytes).map_err(file_error(&path))?;
        files.insert(name.clone(), bytes.len() as u64);
        index.insert(def.id.clone(), serde_json::json!({"file": name, "desks": desks}));
    }
    Ok(index)
}

/// Text, or JSON null for an empty value.
fn text(value: &str) -> ColumnValue<'_> {
    if value.is_empty() {
        ColumnValue::Json("null")
    } else {
        ColumnValue::String(value)
    }
}

fn geozero_error(path: &Path) -> impl Fn(geozero::error::GeozeroError) -> Error + '_ {
    move |e| Error::io(path.display(), e)
}

/// The desks with every public catalogue field, in WGS 84.
fn write_services(path: &Path, services: &[Service], lonlat: &[[f64; 2]]) -> Result<()> {
    let vocabulary = vocabulary();
    let mut out = Vec::new();
    let fail = geozero_error(path);
    {
        let mut writer = GeoJsonWriter::new(&mut out);
        writer.dataset_begin(Some("services")).map_err(&fail)?;
        for (n, (s, p)) in services.iter().zip(lonlat).enumerate() {
            writer.feature_begin(n as u64).map_err(&fail)?;
            writer.properties_begin().map_err(&fail)?;
            let categories: Vec<&str> = s.categories.indices().map(|i| vocabulary.categories[i].id.as_str()).collect();
            let lists = [
                serde_json::to_string(&categories).unwrap_or_default(),
                serde_json::to_string(&s.languages).unwrap_or_default(),
            ];
            let appointment = match s.appointment_required {
                Some(b) => ColumnValue::Bool(b),
                None => ColumnValue::Json("null"),
            };
            let properties = [
                ("id", ColumnValue::String(&s.id)),
                ("name", ColumnValue::String(&s.name)),
                ("operator", text(&s.operator)),
                ("operator_kind", text(s.operator_kind.map_or("", |k| k.as_str()))),
                ("categories", ColumnValue::Json(&lists[0])),
                ("languages", ColumnValue::Json(&lists[1])),
                ("opening_hours", text(&s.opening_hours)),
                ("address", text(&s.address)),
                ("municipality_istat", text(&s.municipality_istat)),
                ("phone", text(&s.phone)),
                ("email", text(&s.email)),
                ("website", text(&s.website)),
                ("appointment_required", appointment),
                ("wheelchair", text(s.wheelchair.map_or("", |w| w.as_str()))),
                ("updated_at", text(&s.updated_at)),
            ];
            for (i, (name, value)) in properties.iter().enumerate() {
                writer.property(i, name, value).map_err(&fail)?;
            }
            writer.properties_end().map_err(&fail)?;
            writer.geometry_begin().map_err(&fail)?;
            geo::Geometry::Point(geo::Point::new(p[0], p[1])).process_geom(&mut writer).map_err(&fail)?;
            writer.geometry_end().map_err(&fail)?;
            writer.feature_end(n as u64).map_err(&fail)?;
        }
        writer.dataset_end().map_err(&fail)?;
    }
    std::fs::write(path, out).map_err(file_error(path))
}

/// Polygons reprojected to WGS 84 with their first text field as `name`.
fn write_boundaries(source: &Path, path: &Path) -> Result<()> {
    let layer = read_layer(&LayerSource::new(source, None))?;
    let to_lonlat = Transformer::new(&layer.crs, "EPSG:4326")?;
    let mut out = Vec::new();
    let fail = geozero_error(path);
    {
        let mut writer = GeoJsonWriter::new(&mut out);
        writer.dataset_begin(Some("boundaries")).map_err(&fail)?;
        for (n, feature) in layer.features.iter().enumerate() {
            let Some(geometry) = &feature.geometry else { continue };
            let name =
                layer.field_names.iter().find_map(|f| feature.fields.get(f).cloned().flatten()).unwrap_or_default();
            writer.feature_begin(n as u64).map_err(&fail)?;
            writer.properties_begin().map_err(&fail)?;
            writer.property(0, "name", &ColumnValue::String(&name)).map_err(&fail)?;
            writer.properties_end().map_err(&fail)?;
            writer.geometry_begin().map_err(&fail)?;
            project(geometry, &to_lonlat)?.process_geom(&mut writer).map_err(&fail)?;
            writer.geometry_end().map_err(&fail)?;
            writer.feature_end(n as u64).map_err(&fail)?;
        }
        writer.dataset_end().map_err(&fail)?;
    }
    std::fs::write(path, out).map_err(file_error(path))
}

/// A place a person can start from.
#[derive(Debug, Clone, Serialize)]
pub struct Place {
    pub name: String,
    pub lon: f64,
    pub lat: f64,
}

fn read_places(source: &Path, name_field: &str) -> Result<Vec<Place>> {
    let layer = read_layer(&LayerSource::new(source, None))?;
    layer.require_field(name_field)?;
    let to_lonlat = Transformer::new(&layer.crs, "EPSG:4326")?;
    let mut places = Vec::new();
    for feature in &layer.features {
        let label = layer.label(feature, Some(name_field));
        let Some(geo::Geometry::Point(p)) = &feature.geometry else {
            return Err(Error::input(&layer.name, Some(label), Some("geometry"), "places must be points"));
        };
        let [lon, lat] = to_lonlat.apply([p.x(), p.y()])?;
        places.push(Place { name: label, lon: (lon * 1e6).round() / 1e6, lat: (lat * 1e6).round() / 1e6 });
    }
    places.sort_by(|a, b| a.name.cmp(&b.name));
    places.dedup_by(|a, b| a.name == b.name);
    Ok(places)
}

/// Each layer's title by language, from the schema the jobs stored in the
/// results (`capacitymetro_layers`); none when the file has no schema.
fn layer_titles(results: &Path) -> BTreeMap<String, serde_json::Value> {
    let mut titles = BTreeMap::new();
    let Ok(dataset) = gdal::Dataset::open(results) else { return titles };
    let Ok(mut layer) = dataset.layer_by_name("capacitymetro_layers") else { return titles };
    for feature in gdal::vector::LayerAccess::features(&mut layer) {
        let text =
            |field: &str| feature.field_index(field).ok().and_then(|i| feature.field_as_string(i).ok().flatten());
        if let (Some(name), Some(it), Some(en)) = (text("layer_name"), text("title_it"), text("title_en")) {
            titles.insert(name, serde_json::json!({"it": it, "en": en}));
        }
    }
    titles
}

/// The basemap URL, or `None` when the options say none.
pub fn basemap_url(options: &WebDataOptions) -> Option<&str> {
    options.basemap_url.as_deref().map(str::trim).filter(|u| !u.is_empty() && !u.eq_ignore_ascii_case("none"))
}

fn meta_json(
    options: &WebDataOptions,
    services: &[Service],
    places: &[Place],
    times: BTreeMap<String, serde_json::Value>,
    lattice: Lattice,
    has_boundaries: bool,
    titles: &BTreeMap<String, serde_json::Value>,
) -> serde_json::Value {
    let vocabulary = vocabulary();
    let categories: Vec<serde_json::Value> = vocabulary
        .categories
        .iter()
        .map(|c| serde_json::json!({"id": c.id, "colour": c.colour, "marker": c.marker, "labels": c.labels}))
        .collect();
    let updated_at = services.iter().map(|s| s.updated_at.as_str()).max().unwrap_or_default();
    let wms = options.wms_url.as_ref().map(|url| {
        let layers: Vec<serde_json::Value> = options
            .wms_layers
            .split(',')
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| serde_json::json!({"name": n, "title": titles.get(n).cloned().unwrap_or_else(|| n.into())}))
            .collect();
        serde_json::json!({"url": url, "layers": layers})
    });
    let basemap =
        basemap_url(options).map(|url| serde_json::json!({"url": url, "attribution": options.basemap_attribution}));
    let mut meta = serde_json::json!({
        "generator": GENERATOR,
        "updated_at": updated_at,
        "default_language": "it",
        "languages": vocabulary.label_languages,
        "categories": categories,
        "places": places,
        "basemap": basemap,
        "wms": wms,
        "times": {
            "max_minutes": options.max_minutes,
            "mode": options.travel.mode.as_str(),
            "cell": {"dlon": lattice.dlon, "dlat": lattice.dlat},
            "categories": times,
        },
    });
    if let Some(title) = options.title.as_ref().filter(|t| !t.is_empty()) {
        meta["title"] = serde_json::Value::String(title.clone());
    }
    if has_boundaries {
        meta["boundaries"] = serde_json::Value::String("boundaries.geojson".into());
    }
    meta
}

/// A new, empty folder beside `target` to write into.
fn staging_folder(target: &Path) -> Result<PathBuf> {
    let parent = target.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(file_error(parent))?;
    let name = target.file_name().ok_or_else(|| Error::io(target.display(), "not a folder path"))?;
    let staging = parent.join(format!(".{}.{}.tmp", name.to_string_lossy(), std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    std::fs::create_dir(&staging).map_err(file_error(&staging))?;
    Ok(staging)
}

/// Puts the staged folder at `target`. An existing `target` is replaced
/// only when this exporter made it (its meta.json says so) or it is empty;
/// anything else there is left alone and refused.
fn move_into_place(staging: &Path, target: &Path) -> Result<()> {
    if crate::progress::interrupted() {
        let _ = std::fs::remove_dir_all(staging);
        return Err(Error::Cancelled);
    }
    if target.exists() {
        let ours = std::fs::read_to_string(target.join("meta.json")).is_ok_and(|t| t.contains(GENERATOR));
        let empty = std::fs::read_dir(target).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !ours && !empty {
            let _ = std::fs::remove_dir_all(staging);
            return Err(Error::io(
                target.display(),
                "the folder holds files this exporter did not write; choose an empty or new folder",
            ));
        }
        let old = staging.with_extension("old");
        std::fs::rename(target, &old).map_err(file_error(target))?;
        std::fs::rename(staging, target).map_err(file_error(target))?;
        std::fs::remove_dir_all(&old).map_err(file_error(&old))
    } else {
        std::fs::rename(staging, target).map_err(file_error(target))
    }
}
