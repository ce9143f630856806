//! The analyst's own travel costs as a cost model.
//!
//! A long table `origin_id, destination_id, cost`, one row per pair, from a
//! CSV file read here, or from columns handed over by a caller (the Python
//! package passes numpy arrays and data frames, and reads Parquet with
//! pyarrow). Origins are demand units, destinations services or candidate
//! sites, both named by their ids. The model is a lookup: a pair absent from
//! the table is unreachable. The cost is in seconds or minutes, as the
//! caller says ([`CostUnit`]); it is kept as given and turned into seconds
//! when the model is made.
//!
//! Every refusal names the table, the row (CSV: the line of the file;
//! columns: the position, from 0) and the field: unmatched ids, duplicate
//! pairs, and costs that are negative, NaN or infinite.

use crate::cost::{CostModel, Mode, Reach, ServiceCosts};
use crate::error::{Error, Result};
use crate::index::FacilityIndex;
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

/// The column names of the table.
pub const ORIGIN_ID: &str = "origin_id";
pub const DESTINATION_ID: &str = "destination_id";
pub const COST: &str = "cost";

/// The unit of a table's costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CostUnit {
    Seconds,
    Minutes,
}

impl CostUnit {
    pub const NAMES: &'static [&'static str] = &["seconds", "minutes"];

    /// Seconds in one unit.
    pub fn seconds(self) -> f64 {
        match self {
            CostUnit::Seconds => 1.0,
            CostUnit::Minutes => 60.0,
        }
    }
}

/// How rows are named in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RowNames {
    /// Lines of a CSV file (the header is line 1).
    CsvLines,
    /// Positions in columns, from 0.
    Positions,
}

/// A travel-cost table, checked: no duplicate pairs, every cost finite and
/// at least 0. Ids are kept as text.
#[derive(Debug, Clone)]
pub struct MatrixTable {
    /// The file (or the name the caller gave), for messages.
    pub source: String,
    origins: Vec<String>,
    destinations: Vec<String>,
    /// Per origin: `(destination, cost, row)`, cheapest first.
    rows: Vec<Vec<(u32, f64, u32)>>,
    /// Per destination: the first row naming it.
    destination_rows: Vec<u32>,
    /// Per origin: the first row naming it.
    origin_rows: Vec<u32>,
    row_names: RowNames,
}

fn intern(ids: &mut Vec<String>, index: &mut HashMap<String, u32>, firsts: &mut Vec<u32>, id: &str, row: u32) -> u32 {
    if let Some(&k) = index.get(id) {
        return k;
    }
    let k = ids.len() as u32;
    ids.push(id.to_string());
    index.insert(id.to_string(), k);
    firsts.push(row);
    k
}

impl MatrixTable {
    /// A table from three columns of one length (pair `k` is row `k`).
    ///
    /// # Units
    /// `cost` in the table's unit (see [`CostUnit`]).
    pub fn from_columns(source: &str, origin_id: &[String], destination_id: &[String], cost: &[f64]) -> Result<Self> {
        if origin_id.len() != destination_id.len() || origin_id.len() != cost.len() {
            return Err(Error::input(
                source,
                None,
                None,
                format!(
                    "the columns {ORIGIN_ID}, {DESTINATION_ID} and {COST} have different lengths ({}, {}, {})",
                    origin_id.len(),
                    destination_id.len(),
                    cost.len()
                ),
            ));
        }
        let rows = origin_id.iter().zip(destination_id).zip(cost).map(|((o, d), c)| (o.as_str(), d.as_str(), *c));
        Self::build(source, RowNames::Positions, rows)
    }

    /// Reads a CSV file with a header naming the columns `origin_id`,
    /// `destination_id` and `cost` (others are ignored).
    pub fn read_csv(path: &Path) -> Result<Self> {
        let source = path.display().to_string();
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_path(path)
            .map_err(|e| Error::io(&source, format!("cannot be read ({e})")))?;
        let headers = reader.headers().map_err(|e| Error::io(&source, format!("no header line ({e})")))?.clone();
        let column = |name: &str| -> Result<usize> {
            headers.iter().position(|h| h.trim_start_matches('\u{feff}').eq_ignore_ascii_case(name)).ok_or_else(|| {
                let found: Vec<&str> = headers.iter().collect();
                Error::input(
                    &source,
                    None,
                    Some(name),
                    format!(
                        "no column '{name}' (columns: {}); a matrix has the columns {ORIGIN_ID}, {DESTINATION_ID}, {COST}",
                        found.join(", ")
                    ),
                )
            })
        };
        let (o, d, c) = (column(ORIGIN_ID)?, column(DESTINATION_ID)?, column(COST)?);
        let mut origins = Vec::new();
        let mut destinations = Vec::new();
        let mut costs = Vec::new();
        for (k, record) in reader.records().enumerate() {
            let line = k + 2;
            let record =
                record.map_err(|e| Error::input(&source, Some(format!("line {line}")), None, e.to_string()))?;
            let field = |i: usize, name: &str| -> Result<String> {
                match record.get(i) {
                    Some(text) if !text.is_empty() => Ok(text.to_string()),
                    _ => Err(Error::input(&source, Some(format!("line {line}")), Some(name), "is empty")),
                }
            };
            origins.push(field(o, ORIGIN_ID)?);
            destinations.push(field(d, DESTINATION_ID)?);
            let text = field(c, COST).map_err(|_| {
                Error::input(
                    &source,
                    Some(format!("line {line}")),
                    Some(COST),
                    "is empty: leave an unreachable pair out of the table instead",
                )
            })?;
            let cost: f64 = text.parse().map_err(|_| {
                Error::input(&source, Some(format!("line {line}")), Some(COST), format!("'{text}' is not a number"))
            })?;
            costs.push(cost);
        }
        let rows = origins.iter().zip(&destinations).zip(&costs).map(|((o, d), c)| (o.as_str(), d.as_str(), *c));
        Self::build(&source, RowNames::CsvLines, rows)
    }

    /// Opens a matrix file (`.csv`), or a table held in memory (see [`hold`]).
    pub fn open(path: &Path) -> Result<Arc<Self>> {
        if let Some(table) = memory().lock().expect("matrix registry").get(&path.display().to_string()) {
            return Ok(table.clone());
        }
        let extension = path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        match extension.as_str() {
            "csv" | "txt" | "tsv" if !path.exists() => Err(Error::io(path.display(), "no such file")),
            "csv" | "txt" => Ok(Arc::new(Self::read_csv(path)?)),
            "parquet" | "pq" => Err(Error::io(
                path.display(),
                "Parquet matrices are read by the Python package with pyarrow (pip install 'capacitymetro[parquet]'); from Rust, write the table as CSV",
            )),
            _ => Err(Error::io(
                path.display(),
                format!("not a matrix file: a CSV (or, from Python, Parquet) with columns {ORIGIN_ID}, {DESTINATION_ID}, {COST}"),
            )),
        }
    }

    fn build<'a>(
        source: &str,
        row_names: RowNames,
        pairs: impl Iterator<Item = (&'a str, &'a str, f64)>,
    ) -> Result<Self> {
        let mut table = MatrixTable {
            source: source.to_string(),
            origins: Vec::new(),
            destinations: Vec::new(),
            rows: Vec::new(),
            destination_rows: Vec::new(),
            origin_rows: Vec::new(),
            row_names,
        };
        let (mut origin_index, mut destination_index) = (HashMap::new(), HashMap::new());
        let mut seen: HashMap<(u32, u32), u32> = HashMap::new();
        for (k, (origin, destination, cost)) in pairs.enumerate() {
            let row = u32::try_from(k).map_err(|_| Error::input(source, None, None, "more than 4 billion rows"))?;
            let at = table.row_name(row);
            if origin.is_empty() || destination.is_empty() {
                let field = if origin.is_empty() { ORIGIN_ID } else { DESTINATION_ID };
                return Err(Error::input(source, Some(at), Some(field), "is empty"));
            }
            if cost.is_nan() {
                return Err(Error::input(
                    source,
                    Some(at),
                    Some(COST),
                    "is NaN (not a number): leave an unreachable pair out of the table instead",
                ));
            }
            if !cost.is_finite() {
                return Err(Error::input(
                    source,
                    Some(at),
                    Some(COST),
                    format!("{cost} is not finite: leave an unreachable pair out of the table instead"),
                ));
            }
            if cost < 0.0 {
                return Err(Error::input(
                    source,
                    Some(at),
                    Some(COST),
                    format!("{cost} is negative: a cost is at least 0"),
                ));
            }
            let o = intern(&mut table.origins, &mut origin_index, &mut table.origin_rows, origin, row);
            let d =
                intern(&mut table.destinations, &mut destination_index, &mut table.destination_rows, destination, row);
            if let Some(first) = seen.insert((o, d), row) {
                return Err(Error::input(
                    source,
                    Some(at),
                    Some(DESTINATION_ID),
                    format!(
                        "the pair '{origin}' -> '{destination}' is given twice (also {}): each pair once",
                        table.row_name(first)
                    ),
                ));
            }
            if table.rows.len() <= o as usize {
                table.rows.resize_with(o as usize + 1, Vec::new);
            }
            table.rows[o as usize].push((d, cost, row));
        }
        if table.origins.is_empty() {
            return Err(Error::input(source, None, None, "the matrix has no rows"));
        }
        for row in &mut table.rows {
            row.sort_by(|a, b| a.1.total_cmp(&b.1));
        }
        Ok(table)
    }

    fn row_name(&self, row: u32) -> String {
        match self.row_names {
            RowNames::CsvLines => format!("line {}", row as u64 + 2),
            RowNames::Positions => format!("row {row}"),
        }
    }

    /// How many pairs.
    pub fn len(&self) -> usize {
        self.rows.iter().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The distinct origin ids, in order of first appearance.
    pub fn origin_ids(&self) -> &[String] {
        &self.origins
    }

    /// The distinct destination ids, in order of first appearance.
    pub fn destination_ids(&self) -> &[String] {
        &self.destinations
    }
}

/// A few of `ids`, for messages.
fn examples(ids: &[&str]) -> String {
    let shown: Vec<String> = ids.iter().take(3).map(|i| format!("'{i}'")).collect();
    if ids.len() > 3 {
        format!("{}, ...", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// A travel-cost table as a cost model: origins are told apart by their
/// place (the demand units' points), destinations by the ids of the
/// facility index the model is bound to ([`FacilityIndex::with_keys`]).
pub struct MatrixCost {
    table: Arc<MatrixTable>,
    mode: Mode,
    /// Seconds per unit of the table's costs.
    scale_s: f64,
    /// A demand point's bits -> its origin in the table.
    origin_at: HashMap<[u64; 2], u32>,
}

impl MatrixCost {
    /// The model for these demand units, checking that every origin id of
    /// the table is a demand unit and every destination id one of
    /// `destination_ids` (services and candidate sites).
    pub fn new(
        table: Arc<MatrixTable>,
        mode: Mode,
        unit: CostUnit,
        demand_ids: &[String],
        demand_points: &[[f64; 2]],
        destination_ids: &[&[String]],
    ) -> Result<Self> {
        let bits = |p: &[f64; 2]| [p[0].to_bits(), p[1].to_bits()];
        let demand: HashMap<&str, usize> = demand_ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let all_demand: Vec<&str> = demand_ids.iter().map(String::as_str).collect();
        let mut origin_at = HashMap::new();
        for (o, id) in table.origins.iter().enumerate() {
            let Some(&unit_index) = demand.get(id.as_str()) else {
                return Err(Error::input(
                    &table.source,
                    Some(table.row_name(table.origin_rows[o])),
                    Some(ORIGIN_ID),
                    format!(
                        "'{id}' is not the id of any demand unit (their ids: {}; choose the demand's id_field to match)",
                        examples(&all_demand)
                    ),
                ));
            };
            if let Some(other) = origin_at.insert(bits(&demand_points[unit_index]), o as u32) {
                return Err(Error::input(
                    &table.source,
                    Some(table.row_name(table.origin_rows[o])),
                    Some(ORIGIN_ID),
                    format!(
                        "demand units '{}' and '{id}' are at the same place: with a matrix, each demand unit needs a place of its own",
                        table.origins[other as usize]
                    ),
                ));
            }
        }
        let known: std::collections::HashSet<&str> =
            destination_ids.iter().flat_map(|ids| ids.iter().map(String::as_str)).collect();
        for (d, id) in table.destinations.iter().enumerate() {
            if !known.contains(id.as_str()) {
                let services: Vec<&str> =
                    destination_ids.first().map_or(Vec::new(), |s| s.iter().map(String::as_str).collect());
                return Err(Error::input(
                    &table.source,
                    Some(table.row_name(table.destination_rows[d])),
                    Some(DESTINATION_ID),
                    format!(
                        "'{id}' is not the id of any service or candidate site (service ids: {})",
                        examples(&services)
                    ),
                ));
            }
        }
        let missing: Vec<&str> = demand_ids
            .iter()
            .zip(demand_points)
            .filter(|(_, p)| !origin_at.contains_key(&bits(p)))
            .map(|(id, _)| id.as_str())
            .collect();
        if !missing.is_empty() {
            crate::warnings::warn(format!(
                "matrix {}: {} demand unit(s) have no row ({}), so no service is within their reach",
                table.source,
                missing.len(),
                examples(&missing)
            ));
        }
        Ok(MatrixCost { table, mode, scale_s: unit.seconds(), origin_at })
    }
}

impl CostModel for MatrixCost {
    fn mode(&self) -> Mode {
        self.mode
    }

    fn bind<'a>(&'a self, services: &'a FacilityIndex) -> Result<Box<dyn ServiceCosts + 'a>> {
        let keys = services.keys().ok_or_else(|| {
            Error::parameter("matrix", "the matrix cost model needs the ids of the services it is asked about")
        })?;
        let by_id: HashMap<&str, u32> =
            self.table.destinations.iter().enumerate().map(|(d, id)| (id.as_str(), d as u32)).collect();
        let mut services_of = vec![Vec::new(); self.table.destinations.len()];
        for (s, key) in keys.iter().enumerate() {
            if let Some(&d) = by_id.get(key.as_str()) {
                services_of[d as usize].push(s as u32);
            }
        }
        let mut reached = vec![false; self.table.destinations.len()];
        for row in &self.table.rows {
            for &(d, _, _) in row {
                reached[d as usize] = true;
            }
        }
        let unreachable =
            keys.iter().enumerate().filter(|(_, k)| by_id.get(k.as_str()).is_none_or(|&d| !reached[d as usize]));
        let unreachable = unreachable.map(|(s, _)| s).collect();
        Ok(Box::new(BoundMatrix { model: self, services, services_of, unreachable }))
    }
}

struct BoundMatrix<'a> {
    model: &'a MatrixCost,
    services: &'a FacilityIndex,
    /// Per destination of the table: the services of the index with its id.
    services_of: Vec<Vec<u32>>,
    unreachable: Vec<usize>,
}

impl BoundMatrix<'_> {
    /// Services reached from `origin`, cheapest first, while `keep_going`.
    fn reached(&self, origin: [f64; 2], category: Option<usize>) -> impl Iterator<Item = Reach> + '_ {
        let row = self.model.origin_at.get(&[origin[0].to_bits(), origin[1].to_bits()]);
        let pairs = row.map_or(&[][..], |&o| self.model.table.rows.get(o as usize).map_or(&[][..], Vec::as_slice));
        let scale = self.model.scale_s;
        pairs.iter().flat_map(move |&(d, cost, _)| {
            self.services_of[d as usize]
                .iter()
                .filter(move |&&s| category.is_none_or(|c| self.services.categories_of(s as usize).contains(c)))
                // a matrix gives times, not distances
                .map(move |&s| Reach { service: s as usize, distance_m: f64::NAN, time_s: cost * scale })
        })
    }
}

impl ServiceCosts for BoundMatrix<'_> {
    fn nearest(&self, origin: [f64; 2], category: Option<usize>) -> Option<Reach> {
        self.reached(origin, category).next()
    }

    fn within(&self, origin: [f64; 2], category: Option<usize>, cutoff_s: f64) -> Vec<Reach> {
        self.reached(origin, category).take_while(|r| r.time_s <= cutoff_s).collect()
    }

    fn unreachable_services(&self) -> Vec<usize> {
        self.unreachable.clone()
    }
}

fn memory() -> &'static Mutex<HashMap<String, Arc<MatrixTable>>> {
    static MEMORY: OnceLock<Mutex<HashMap<String, Arc<MatrixTable>>>> = OnceLock::new();
    MEMORY.get_or_init(Default::default)
}

/// A table held in memory under a name that the `matrix` option takes in
/// place of a file (as GDAL's `/vsimem/`), until the holder is dropped.
pub struct HeldMatrix {
    name: String,
}

impl HeldMatrix {
    /// The name to give as the `matrix` option.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for HeldMatrix {
    fn drop(&mut self) {
        memory().lock().expect("matrix registry").remove(&self.name);
    }
}

/// Holds a table in memory for the `matrix` option of a job.
pub fn hold(table: MatrixTable) -> HeldMatrix {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("/vsimem/capacitymetro/matrix-{n}-{}", table.source.replace('/', "_"));
    memory().lock().expect("matrix registry").insert(name.clone(), Arc::new(table));
    HeldMatrix { name }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn table(o: &[&str], d: &[&str], c: &[f64]) -> Result<MatrixTable> {
        MatrixTable::from_columns("m", &ids(o), &ids(d), c)
    }

    #[test]
    fn bad_rows_are_refused_with_their_row_and_field() {
        let nan = table(&["a", "b"], &["x", "x"], &[1.0, f64::NAN]).unwrap_err().to_string();
        assert_eq!(
            nan,
            "layer 'm', feature 'row 1', field 'cost': is NaN (not a number): leave an unreachable pair out of the table instead"
        );
        let negative = table(&["a"], &["x"], &[-1.0]).unwrap_err().to_string();
        assert!(negative.contains("row 0', field 'cost': -1 is negative"), "{negative}");
        let twice = table(&["a", "b", "a"], &["x", "x", "x"], &[1.0, 2.0, 3.0]).unwrap_err().to_string();
        assert!(twice.contains("row 2") && twice.contains("given twice (also row 0)"), "{twice}");
    }

    #[test]
    fn a_lookup_with_absent_pairs_unreachable() {
        let t = Arc::new(table(&["a", "a", "b"], &["x", "y", "y"], &[2.0, 1.0, 3.0]).unwrap());
        let points = [[0.0, 0.0], [1.0, 0.0]];
        let services = ids(&["x", "y", "z"]);
        let model = MatrixCost::new(t.clone(), Mode::Walk, CostUnit::Minutes, &ids(&["a", "b"]), &points, &[&services])
            .unwrap();
        let index = FacilityIndex::new(vec![[5.0, 5.0]; 3], vec![]).unwrap().with_keys(services.clone()).unwrap();
        let bound = model.bind(&index).unwrap();
        let found: Vec<(usize, f64)> =
            bound.within(points[0], None, 120.0).iter().map(|r| (r.service, r.time_s)).collect();
        assert_eq!(found, vec![(1, 60.0), (0, 120.0)]);
        assert_eq!(bound.nearest(points[1], None).map(|r| r.service), Some(1));
        assert_eq!(bound.unreachable_services(), vec![2]);
        let unknown = MatrixCost::new(t, Mode::Walk, CostUnit::Seconds, &ids(&["a"]), &points[..1], &[&services]);
        assert!(unknown.err().unwrap().to_string().contains("'b' is not the id of any demand unit"));
    }
}
