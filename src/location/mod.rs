//! Location models: where to open new desks.
//!
//! - MCLP, maximal covering (Church and ReVelle 1974): `p` new sites that
//!   bring the most weight within the cut-off, existing sites kept.
//! - LSCP, location set covering (Toregas et al. 1971): the fewest new sites
//!   that bring every unit a candidate can reach within the cut-off.
//! - p-median (Hakimi 1964): `p` new sites that minimise the total weighted
//!   cost of each unit to its nearest open site.
//! - capacitated p-median: the same, with each site serving at most its
//!   capacity, each unit served whole by one site or left unserved at the
//!   unreached cost.
//!
//! Each model is solved exactly as an integer program with HiGHS
//! ([`exact`]), started from greedy plus interchange ([`heuristic`]), which is
//! also the answer when HiGHS stops at the time limit with nothing better.
//! Small MCLP and p-median problems are solved by trying every set of sites
//! instead ([`enumeration`]): also proven optimal, and faster than starting
//! a MIP solver.
//! Every [`Solution`] says whether it is proven optimal, the MIP gap when not,
//! the time spent and the heuristic's value beside it.
//!
//! # Units
//! Costs in seconds (any unit works if the cut-off and `unreached_cost` use
//! it too); weights and capacities in persons.

pub mod enumeration;
pub mod exact;
pub mod heuristic;

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Which location model to solve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LocationModel {
    Mclp,
    Lscp,
    #[serde(rename = "pmedian")]
    PMedian,
    #[serde(rename = "capacitated_pmedian")]
    CapacitatedPMedian,
}

impl LocationModel {
    pub const NAMES: &'static [&'static str] = &["mclp", "lscp", "pmedian", "capacitated_pmedian"];

    /// Whether a larger objective is better.
    pub fn maximises(self) -> bool {
        self == LocationModel::Mclp
    }
}

/// A location problem: demand units, candidate sites and the sites already open.
///
/// Facilities are numbered candidates first (`0..candidates`), then existing
/// sites (`candidates..candidates + existing`), which are always open.
///
/// # Units
/// `pairs` costs in seconds; `weights` and `capacity` in persons.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Instance {
    /// Weight (population) of each demand unit.
    pub weights: Vec<f64>,
    pub candidates: usize,
    pub existing: usize,
    /// Per demand unit, its reachable facilities and the cost to each. A pair
    /// left out means out of reach.
    pub pairs: Vec<Vec<(u32, f64)>>,
    /// Per facility, the weight it can serve (capacitated p-median only).
    pub capacity: Option<Vec<f64>>,
}

/// What to solve and how.
///
/// # Units
/// `cutoff_s` and `unreached_cost_s` in seconds, `time_limit_s` in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocationOptions {
    pub model: LocationModel,
    /// New sites to choose (ignored by LSCP, which finds how many).
    pub new_sites: usize,
    /// A unit is covered within this cost (MCLP, LSCP; `<=` is inside).
    pub cutoff_s: f64,
    /// The cost counted for a unit that no open site reaches (p-median).
    pub unreached_cost_s: f64,
    /// Solve the integer program; `false` stops at the heuristic.
    pub exact: bool,
    pub time_limit_s: f64,
    /// The most work complete enumeration may take (sets of sites tried
    /// times demand units); larger problems go to HiGHS. 0: always HiGHS.
    pub enumeration_limit: u64,
}

impl Default for LocationOptions {
    fn default() -> Self {
        LocationOptions {
            model: LocationModel::Mclp,
            new_sites: 3,
            cutoff_s: 1800.0,
            unreached_cost_s: 7200.0,
            exact: true,
            time_limit_s: 60.0,
            // about 10 ms of search
            enumeration_limit: 10_000_000,
        }
    }
}

/// How an answer was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Proven optimal: by HiGHS, or by trying every set of sites.
    Exact,
    /// HiGHS stopped at the time limit; its best answer, with the gap.
    TimeLimit,
    /// Greedy plus interchange only (asked for, or HiGHS found nothing better in time).
    Heuristic,
}

/// The chosen sites and what they achieve.
///
/// # Units
/// `objective` and `heuristic_objective`: persons covered (MCLP), sites
/// (LSCP), or person-seconds (p-median); `solve_time_s` in seconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Solution {
    pub model: LocationModel,
    /// Candidate indices, ascending.
    pub sites: Vec<usize>,
    pub objective: f64,
    pub method: Method,
    pub proven_optimal: bool,
    /// Proven by trying every set of sites ([`enumeration`]), not by HiGHS.
    pub enumerated: bool,
    /// HiGHS's relative MIP gap when it stopped early; 0 when proven optimal.
    pub mip_gap: Option<f64>,
    pub solve_time_s: f64,
    pub heuristic_sites: Vec<usize>,
    pub heuristic_objective: f64,
    /// Per chosen site, the weight it serves: newly covered (covering
    /// models) or assigned to it (p-median).
    pub served: Vec<f64>,
    /// Weight of the units no candidate or existing site can reach.
    pub unreachable_weight: f64,
}

impl Instance {
    fn facilities(&self) -> usize {
        self.candidates + self.existing
    }

    /// Checks sizes, costs and weights before any work.
    pub fn check(&self, options: &LocationOptions) -> Result<()> {
        if self.pairs.len() != self.weights.len() {
            return Err(Error::parameter("pairs", "one list of pairs per demand unit is needed"));
        }
        if self.candidates == 0 {
            return Err(Error::parameter("candidates", "there are no candidate sites"));
        }
        if let Some((i, w)) = self.weights.iter().enumerate().find(|(_, w)| !w.is_finite() || **w < 0.0) {
            return Err(Error::parameter("weights", format!("demand unit {i} has weight {w}; weights must be >= 0")));
        }
        for (i, list) in self.pairs.iter().enumerate() {
            if let Some(&(f, c)) =
                list.iter().find(|(f, c)| *f as usize >= self.facilities() || !c.is_finite() || *c < 0.0)
            {
                return Err(Error::parameter(
                    "pairs",
                    format!(
                        "demand unit {i}: facility {f} with cost {c} (facilities 0..{}, costs >= 0)",
                        self.facilities()
                    ),
                ));
            }
        }
        let needs_p = options.model != LocationModel::Lscp;
        if needs_p && options.new_sites == 0 {
            return Err(Error::parameter("new_sites", "ask for at least one new site"));
        }
        if needs_p && options.new_sites > self.candidates {
            return Err(Error::parameter(
                "new_sites",
                format!("{} sites asked for, but only {} candidates", options.new_sites, self.candidates),
            ));
        }
        if !(options.cutoff_s.is_finite() && options.cutoff_s >= 0.0) {
            return Err(Error::parameter("cutoff_s", "must be a number >= 0"));
        }
        if !(options.unreached_cost_s.is_finite() && options.unreached_cost_s >= 0.0) {
            return Err(Error::parameter("unreached_cost_s", "must be a number >= 0"));
        }
        if !(options.time_limit_s.is_finite() && options.time_limit_s > 0.0) {
            return Err(Error::parameter("time_limit_s", "must be a number > 0"));
        }
        if options.model == LocationModel::CapacitatedPMedian {
            match &self.capacity {
                Some(c) if c.len() == self.facilities() && c.iter().all(|v| v.is_finite() && *v >= 0.0) => {}
                _ => {
                    return Err(Error::parameter(
                        "capacity",
                        "one capacity >= 0 per candidate and existing site is needed",
                    ))
                }
            }
        }
        Ok(())
    }

    /// Whether unit `i` is within the cut-off of an existing site.
    fn covered_by_existing(&self, i: usize, cutoff_s: f64) -> bool {
        self.pairs[i].iter().any(|&(f, c)| f as usize >= self.candidates && c <= cutoff_s)
    }

    /// Per candidate, the units it covers within the cut-off.
    fn cover_lists(&self, cutoff_s: f64) -> Vec<Vec<u32>> {
        let mut covers = vec![Vec::new(); self.candidates];
        for (i, list) in self.pairs.iter().enumerate() {
            for &(f, c) in list {
                if (f as usize) < self.candidates && c <= cutoff_s {
                    covers[f as usize].push(i as u32);
                }
            }
        }
        covers
    }

    /// Weight of the units that no facility reaches (within the cut-off for covering models).
    fn unreachable_weight(&self, options: &LocationOptions) -> f64 {
        let limit = match options.model {
            LocationModel::Mclp | LocationModel::Lscp => options.cutoff_s,
            _ => f64::INFINITY,
        };
        self.pairs.iter().zip(&self.weights).filter(|(l, _)| l.iter().all(|&(_, c)| c > limit)).map(|(_, w)| w).sum()
    }

    /// The objective of a set of new sites (without capacities).
    pub fn objective(&self, options: &LocationOptions, sites: &[usize]) -> f64 {
        match options.model {
            LocationModel::Mclp => heuristic::covered_weight(self, options.cutoff_s, sites),
            LocationModel::Lscp => sites.len() as f64,
            LocationModel::PMedian | LocationModel::CapacitatedPMedian => {
                heuristic::nearest_costs(self, options.unreached_cost_s, sites)
                    .iter()
                    .zip(&self.weights)
                    .map(|((c, _), w)| c * w)
                    .sum()
            }
        }
    }
}

/// Solves a location model: the heuristic first, then (if `exact`) HiGHS from it.
pub fn solve(instance: &Instance, options: &LocationOptions) -> Result<Solution> {
    instance.check(options)?;
    let started = std::time::Instant::now();
    let heuristic_sites = heuristic::solve(instance, options)?;
    let heuristic_objective = match options.model {
        LocationModel::CapacitatedPMedian => exact::capacitated_assignment(instance, options, &heuristic_sites)?.0,
        _ => instance.objective(options, &heuristic_sites),
    };
    let mut solution = Solution {
        model: options.model,
        sites: heuristic_sites.clone(),
        objective: heuristic_objective,
        method: Method::Heuristic,
        proven_optimal: false,
        enumerated: false,
        mip_gap: None,
        solve_time_s: 0.0,
        heuristic_sites,
        heuristic_objective,
        served: Vec::new(),
        unreachable_weight: instance.unreachable_weight(options),
    };
    if let Some(sites) = options.exact.then(|| enumeration::solve(instance, options)).flatten() {
        solution.objective = instance.objective(options, &sites);
        solution.sites = sites;
        solution.proven_optimal = true;
        solution.enumerated = true;
        solution.mip_gap = Some(0.0);
        solution.method = Method::Exact;
    } else if options.exact {
        let found = exact::solve(instance, options, &solution.heuristic_sites)?;
        let better = |a: f64, b: f64| if options.model.maximises() { a >= b - 1e-9 } else { a <= b + 1e-9 };
        if let Some(found) = found {
            if found.proven_optimal || better(found.objective, heuristic_objective) {
                solution.sites = found.sites;
                solution.objective = found.objective;
                solution.proven_optimal = found.proven_optimal;
                solution.mip_gap = Some(found.mip_gap);
                solution.method = if found.proven_optimal { Method::Exact } else { Method::TimeLimit };
            } else {
                solution.mip_gap = Some(found.mip_gap);
            }
        }
    }
    solution.sites.sort_unstable();
    solution.served = match options.model {
        LocationModel::CapacitatedPMedian => exact::capacitated_assignment(instance, options, &solution.sites)?.1,
        _ => heuristic::served(instance, options, &solution.sites),
    };
    solution.solve_time_s = started.elapsed().as_secs_f64();
    Ok(solution)
}
