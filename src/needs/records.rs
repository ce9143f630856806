//! Anonymised request records: the schema, reading and validation.
//!
//! One row per request at a desk. Only the fields of [`FIELDS`] may appear:
//! a record with any other field is refused, so that names, birth dates or
//! free text cannot slip in by accident. Every problem is reported at once.

use crate::catalogue::{vocabulary, Service};
use crate::error::{Error, Problem, Result};
use std::collections::HashMap;
use std::path::Path;

/// `(name, required, what it holds)` of every field a request record may have.
pub const FIELDS: [(&str, bool, &str); 8] = [
    ("date", true, "date of the request, YYYY-MM-DD, not in the future"),
    ("desk_id", true, "the id of the desk in the service catalogue"),
    ("category", true, "the category of need, an id of the vocabulary"),
    (
        "residence",
        true,
        "where the person lives: an ISTAT municipality code (six digits) or a zone id of the demand layer",
    ),
    ("language", true, "the language used, an ISO 639 code (two or three lower-case letters)"),
    ("nationality_group", false, "a continent or citizenship area, never a person's citizenship"),
    ("outcome", true, "served, referred or unmet"),
    ("referred_to", false, "for a referred request, the id of the desk it was referred to"),
];

/// The nationality groups a record may name.
pub const NATIONALITY_GROUPS: [&str; 6] = ["africa", "americas", "asia", "europe", "oceania", "unknown"];

/// What became of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Served,
    Referred,
    Unmet,
}

impl Outcome {
    pub const NAMES: [&'static str; 3] = ["served", "referred", "unmet"];

    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// Validated requests, one entry per request in each column.
#[derive(Debug, Clone, Default)]
pub struct Requests {
    /// Months since year 0 (`year * 12 + month - 1`).
    pub month: Vec<u32>,
    /// Index into the catalogue's services.
    pub desk: Vec<u32>,
    /// Index into the vocabulary's categories.
    pub category: Vec<u8>,
    /// Index into the demand units.
    pub zone: Vec<u32>,
    /// Index into `languages`.
    pub language: Vec<u16>,
    pub outcome: Vec<Outcome>,
    /// Index into the services of the desk referred to, for referred requests.
    pub referred_to: Vec<Option<u32>>,
    /// The language codes met, in order of first appearance.
    pub languages: Vec<String>,
}

impl Requests {
    pub fn len(&self) -> usize {
        self.desk.len()
    }

    pub fn is_empty(&self) -> bool {
        self.desk.is_empty()
    }
}

/// At most this many problems are listed (the count of all is given).
const MAX_LISTED: usize = 200;

/// Reads and validates request records from a CSV file (read directly, fast)
/// or any other OGR table. `zone_ids` are the demand units' ids; `today` is
/// the last valid date as `(year, month, day)`.
pub fn read_requests(
    path: &Path,
    layer: Option<&str>,
    services: &[Service],
    zone_ids: &[String],
    today: (i32, u32, u32),
) -> Result<Requests> {
    if !path.exists() {
        return Err(Error::io(path.display(), "no such file"));
    }
    let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut checker = Checker::new(&name, services, zone_ids, today);
    let is_csv = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        let text = std::fs::read(path).map_err(|e| Error::io(path.display(), e))?;
        let text = String::from_utf8_lossy(&text);
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header =
            lines.next().ok_or_else(|| Error::input(&name, None, None, "the file is empty: no header, no records"))?;
        checker.header(&split_csv(header))?;
        for (n, line) in lines.enumerate() {
            checker.record(n + 1, &split_csv(line));
        }
    } else {
        read_ogr(path, layer, &mut checker)?;
    }
    checker.finish()
}

fn read_ogr(path: &Path, layer: Option<&str>, checker: &mut Checker) -> Result<()> {
    use gdal::vector::LayerAccess;
    let dataset = gdal::Dataset::open(path)
        .map_err(|e| Error::io(path.display(), format!("not a readable table ({})", crate::io::gdal_reason(&e))))?;
    let mut table = match layer {
        Some(name) => {
            dataset.layer_by_name(name).map_err(|_| Error::io(path.display(), format!("no layer '{name}'")))?
        }
        None => dataset.layer(0).map_err(|_| Error::io(path.display(), "the data source has no table"))?,
    };
    let names: Vec<String> = table.defn().fields().map(|f| f.name()).collect();
    checker.header(&names)?;
    for (n, feature) in table.features().enumerate() {
        let values: Vec<String> =
            (0..names.len()).map(|i| feature.field_as_string(i).ok().flatten().unwrap_or_default()).collect();
        checker.record(n + 1, &values);
    }
    Ok(())
}

/// One CSV line's fields (RFC 4180 quoting; a quoted field cannot span lines).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Validates records one by one, keeping every problem.
struct Checker<'a> {
    layer: String,
    services: &'a [Service],
    desks: HashMap<&'a str, u32>,
    zones: HashMap<&'a str, u32>,
    categories: HashMap<String, u8>,
    languages: HashMap<String, u16>,
    today: (i32, u32, u32),
    /// Column of each schema field in the file.
    columns: [Option<usize>; 8],
    requests: Requests,
    problems: Vec<Problem>,
    problem_count: usize,
}

impl<'a> Checker<'a> {
    fn new(layer: &str, services: &'a [Service], zone_ids: &'a [String], today: (i32, u32, u32)) -> Self {
        let categories = vocabulary().categories.iter().enumerate().map(|(i, c)| (c.id.clone(), i as u8)).collect();
        Checker {
            layer: layer.to_string(),
            services,
            desks: services.iter().enumerate().map(|(i, s)| (s.id.as_str(), i as u32)).collect(),
            zones: zone_ids.iter().enumerate().map(|(i, z)| (z.as_str(), i as u32)).collect(),
            categories,
            languages: HashMap::new(),
            today,
            columns: [None; 8],
            requests: Requests::default(),
            problems: Vec::new(),
            problem_count: 0,
        }
    }

    fn problem(&mut self, record: Option<usize>, field: Option<&str>, message: String) {
        self.problem_count += 1;
        if self.problems.len() < MAX_LISTED {
            self.problems.push(Problem::new(&self.layer, record.map(|n| format!("record {n}")), field, message));
        }
    }

    /// Maps the file's columns to the schema; refuses any column outside it.
    fn header(&mut self, names: &[String]) -> Result<()> {
        let allowed: Vec<&str> = FIELDS.iter().map(|f| f.0).collect();
        for (column, name) in names.iter().enumerate() {
            let name = name.trim().trim_start_matches('\u{feff}');
            match allowed.iter().position(|f| f.eq_ignore_ascii_case(name)) {
                Some(i) => self.columns[i] = Some(column),
                None if name.eq_ignore_ascii_case("fid") || name.eq_ignore_ascii_case("ogc_fid") => {}
                None => self.problem(
                    None,
                    Some(name),
                    format!(
                        "is not a field of the request records ({}); records must carry no personal data (names, birth dates, free text): remove the column",
                        allowed.join(", ")
                    ),
                ),
            }
        }
        for (i, (field, required, what)) in FIELDS.iter().enumerate() {
            if *required && self.columns[i].is_none() {
                self.problem(None, Some(field), format!("the column is missing: {what}"));
            }
        }
        if self.problem_count > 0 {
            return Err(self.error());
        }
        Ok(())
    }

    fn error(&mut self) -> Error {
        let mut problems = std::mem::take(&mut self.problems);
        if self.problem_count > problems.len() {
            let more = self.problem_count - problems.len();
            problems.push(Problem::new(&self.layer, None, None, format!("and {more} more problem(s)")));
        }
        Error::Records(problems)
    }

    fn record(&mut self, n: usize, values: &[String]) {
        let columns = self.columns;
        let value = |i: usize| columns[i].and_then(|c| values.get(c)).map_or("", |v| v.trim());
        let before = self.problem_count;
        let month = self.date(n, value(0));
        let desk = self.desk(n, "desk_id", value(1));
        let category = match self.categories.get(value(2)) {
            Some(&c) => Some(c),
            None => {
                let message = format!("'{}' is not a category of the vocabulary", value(2));
                self.problem(Some(n), Some("category"), message);
                None
            }
        };
        let zone = self.zone(n, value(3));
        let language = self.language(n, value(4));
        let group = value(5);
        if !group.is_empty() && !NATIONALITY_GROUPS.contains(&group) {
            let message = format!("'{group}' is not a nationality group ({})", NATIONALITY_GROUPS.join(", "));
            self.problem(Some(n), Some("nationality_group"), message);
        }
        let outcome = match value(6) {
            "served" => Some(Outcome::Served),
            "referred" => Some(Outcome::Referred),
            "unmet" => Some(Outcome::Unmet),
            other => {
                self.problem(Some(n), Some("outcome"), format!("'{other}' is not served, referred or unmet"));
                None
            }
        };
        let referred_to = match (outcome, value(7)) {
            (Some(Outcome::Referred), "") => {
                self.problem(
                    Some(n),
                    Some("referred_to"),
                    "a referred request needs the desk it was referred to".into(),
                );
                None
            }
            (Some(Outcome::Referred), id) => {
                let to = self.desk(n, "referred_to", id);
                if to.is_some() && to == desk {
                    self.problem(Some(n), Some("referred_to"), "a desk cannot refer a request to itself".into());
                }
                to
            }
            (_, "") => None,
            (_, _) => {
                self.problem(Some(n), Some("referred_to"), "only a referred request names a desk to refer to".into());
                None
            }
        };
        if self.problem_count > before {
            return;
        }
        if let (Some(month), Some(desk), Some(category), Some(zone), Some(language), Some(outcome)) =
            (month, desk, category, zone, language, outcome)
        {
            let r = &mut self.requests;
            r.month.push(month);
            r.desk.push(desk);
            r.category.push(category);
            r.zone.push(zone);
            r.language.push(language);
            r.outcome.push(outcome);
            r.referred_to.push(referred_to);
        }
    }

    fn date(&mut self, n: usize, text: &str) -> Option<u32> {
        let parts: Vec<&str> = text.split('-').collect();
        let parsed = match parts[..] {
            [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
                match (y.parse::<i32>(), m.parse::<u32>(), d.parse::<u32>()) {
                    (Ok(y), Ok(m), Ok(d)) => chrono::NaiveDate::from_ymd_opt(y, m, d).map(|_| (y, m, d)),
                    _ => None,
                }
            }
            _ => None,
        };
        match parsed {
            None => {
                self.problem(Some(n), Some("date"), format!("'{text}' is not a date YYYY-MM-DD"));
                None
            }
            Some(date) if date > self.today => {
                self.problem(Some(n), Some("date"), format!("{text} is in the future"));
                None
            }
            Some((y, m, _)) => Some(y as u32 * 12 + m - 1),
        }
    }

    fn desk(&mut self, n: usize, field: &str, id: &str) -> Option<u32> {
        let found = self.desks.get(id).copied();
        if found.is_none() {
            let message =
                format!("'{id}' is not the id of a desk in the service catalogue ({} desks)", self.services.len());
            self.problem(Some(n), Some(field), message);
        }
        found
    }

    fn zone(&mut self, n: usize, code: &str) -> Option<u32> {
        if let Some(&zone) = self.zones.get(code) {
            return Some(zone);
        }
        // a layer may hold ISTAT codes as numbers (27042 for 027042)
        if let Some(&zone) =
            code.bytes().all(|b| b.is_ascii_digit()).then(|| self.zones.get(code.trim_start_matches('0'))).flatten()
        {
            return Some(zone);
        }
        let message = if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            format!("ISTAT code {code} is not among the demand units")
        } else {
            format!("'{code}' is not an ISTAT municipality code (six digits) nor a zone id of the demand units")
        };
        self.problem(Some(n), Some("residence"), message);
        None
    }

    fn language(&mut self, n: usize, code: &str) -> Option<u16> {
        if !(2..=3).contains(&code.len()) || !code.bytes().all(|b| b.is_ascii_lowercase()) {
            self.problem(Some(n), Some("language"), format!("'{code}' is not an ISO 639 language code (e.g. fr, bn)"));
            return None;
        }
        let next = self.requests.languages.len() as u16;
        let index = *self.languages.entry(code.to_string()).or_insert(next);
        if index == next {
            self.requests.languages.push(code.to_string());
        }
        Some(index)
    }

    fn finish(mut self) -> Result<Requests> {
        if self.problem_count > 0 {
            return Err(self.error());
        }
        if self.requests.is_empty() {
            return Err(Error::input(&self.layer, None, None, "no request records"));
        }
        Ok(self.requests)
    }
}

/// Today's date `(year, month, day)` in UTC.
pub fn today() -> (i32, u32, u32) {
    use chrono::Datelike;
    let days = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() / 86_400);
    let date = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default() + chrono::Days::new(days);
    (date.year(), date.month(), date.day())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_with_quotes() {
        assert_eq!(split_csv("a,\"b,c\",\"d\"\"e\",\r"), vec!["a", "b,c", "d\"e", ""]);
    }
}
