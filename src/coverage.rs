//! Coverage: for each demand unit and category, the nearest service and the
//! number of services within a travel time; and population summaries.

use crate::cost::{Reach, ServiceCosts};
use crate::error::{Error, Result};
use crate::progress::{par_map_chunked, Progress};

/// Demand units between two progress reports: few enough that a network
/// search of each answers a cancel well within a second.
const DEMAND_CHUNK: usize = 256;

/// Coverage of one demand unit for one category.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitCoverage {
    /// The quickest service, or `None` when the category has none in reach.
    pub nearest: Option<Reach>,
    /// Services reachable within `count_within_s`.
    pub count_within: u32,
}

/// Coverage of every demand unit for one category.
#[derive(Debug, Clone, PartialEq)]
pub struct CategoryCoverage {
    pub category: usize,
    /// One entry per demand unit, in input order.
    pub units: Vec<UnitCoverage>,
}

/// Computes coverage for every demand point and category, in parallel,
/// from costs already bound to the services.
///
/// # Units
/// Demand points in the working CRS (metres); `count_within_s` in seconds
/// (a service exactly that far counts).
pub fn coverage(
    demand: &[[f64; 2]],
    costs: &dyn ServiceCosts,
    categories: &[usize],
    count_within_s: f64,
    progress: &dyn Progress,
) -> Result<Vec<CategoryCoverage>> {
    if !(count_within_s.is_finite() && count_within_s > 0.0) {
        return Err(Error::parameter("count_within_s", "must be a positive number of seconds"));
    }
    let per_category = demand.len().max(1);
    let total = per_category * categories.len();
    let mut result = Vec::with_capacity(categories.len());
    for (n, &category) in categories.iter().enumerate() {
        // Progress over the whole job, not per category.
        let offset = n * per_category;
        let scaled = |done: usize, _: usize| progress.report(offset + done, total);
        let units = par_map_chunked(demand.len(), DEMAND_CHUNK, &scaled, |i| UnitCoverage {
            nearest: costs.nearest(demand[i], Some(category)),
            count_within: costs.within(demand[i], Some(category), count_within_s).len() as u32,
        })?;
        result.push(CategoryCoverage { category, units });
    }
    Ok(result)
}

/// Population reached within each threshold, for one category.
///
/// # Units
/// `thresholds_s` in seconds; populations in persons.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationSummary {
    pub category: usize,
    pub population_total: f64,
    /// `(threshold_s, population whose nearest service is within it)`.
    pub population_within: Vec<(f64, f64)>,
    /// Demand units by nearest time, slowest first (unreachable first of all).
    pub worst_served: Vec<usize>,
}

/// Sums population by nearest-service time, per category.
pub fn population_summary(
    coverage: &[CategoryCoverage],
    population: &[f64],
    thresholds_s: &[f64],
) -> Result<Vec<PopulationSummary>> {
    let total: f64 = population.iter().sum();
    coverage
        .iter()
        .map(|c| {
            if c.units.len() != population.len() {
                return Err(Error::parameter("population", "one value per demand unit is needed"));
            }
            let time = |i: usize| c.units[i].nearest.map_or(f64::INFINITY, |r| r.time_s);
            let population_within = thresholds_s
                .iter()
                .map(|&t| (t, (0..population.len()).filter(|&i| time(i) <= t).map(|i| population[i]).sum()))
                .collect();
            let mut worst_served: Vec<usize> = (0..population.len()).collect();
            worst_served.sort_by(|&a, &b| time(b).total_cmp(&time(a)).then(a.cmp(&b)));
            Ok(PopulationSummary { category: c.category, population_total: total, population_within, worst_served })
        })
        .collect()
}
