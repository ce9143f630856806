//! Greedy plus interchange for every location model: the warm start of the
//! integer programs and the answer when they are not asked for or time out.

use super::{Instance, LocationModel, LocationOptions};
use crate::error::Result;
use crate::siting::CoverProblem;

/// Weight within the cut-off of an existing site or one of `sites`.
pub fn covered_weight(instance: &Instance, cutoff_s: f64, sites: &[usize]) -> f64 {
    instance
        .pairs
        .iter()
        .zip(&instance.weights)
        .filter(|(list, _)| {
            list.iter()
                .any(|&(f, c)| c <= cutoff_s && (f as usize >= instance.candidates || sites.contains(&(f as usize))))
        })
        .map(|(_, w)| w)
        .sum()
}

/// Per unit, the cost to its nearest open facility (existing or in `sites`)
/// and that facility; `unreached_cost_s` and `None` when none reaches it.
pub fn nearest_costs(instance: &Instance, unreached_cost_s: f64, sites: &[usize]) -> Vec<(f64, Option<usize>)> {
    instance
        .pairs
        .iter()
        .map(|list| {
            list.iter().filter(|&&(f, _)| f as usize >= instance.candidates || sites.contains(&(f as usize))).fold(
                (unreached_cost_s, None),
                |best, &(f, c)| {
                    if c < best.0 {
                        (c, Some(f as usize))
                    } else {
                        best
                    }
                },
            )
        })
        .collect()
}

/// Per chosen site (in the order of `sites`), the weight it serves: for the
/// covering models the units it covers that no existing site covers (a unit
/// covered by several goes to the nearest), for p-median the units assigned to it.
pub fn served(instance: &Instance, options: &LocationOptions, sites: &[usize]) -> Vec<f64> {
    let covering = matches!(options.model, LocationModel::Mclp | LocationModel::Lscp);
    let mut served = vec![0.0; sites.len()];
    for (i, (cost, facility)) in nearest_costs(instance, options.unreached_cost_s, sites).into_iter().enumerate() {
        if covering && (cost > options.cutoff_s || instance.covered_by_existing(i, options.cutoff_s)) {
            continue;
        }
        if let Some(k) = facility.and_then(|f| sites.iter().position(|&s| s == f)) {
            served[k] += instance.weights[i];
        }
    }
    served
}

/// The heuristic's sites for the model.
pub fn solve(instance: &Instance, options: &LocationOptions) -> Result<Vec<usize>> {
    match options.model {
        LocationModel::Mclp => {
            let problem = CoverProblem {
                population: instance.weights.clone(),
                covered: (0..instance.weights.len())
                    .map(|i| instance.covered_by_existing(i, options.cutoff_s))
                    .collect(),
                covers: instance.cover_lists(options.cutoff_s),
            };
            Ok(problem.solve(options.new_sites)?.sites)
        }
        LocationModel::Lscp => Ok(set_cover(instance, options.cutoff_s)),
        LocationModel::PMedian | LocationModel::CapacitatedPMedian => {
            Ok(PMedianSearch::new(instance, options.unreached_cost_s).solve(options.new_sites))
        }
    }
}

/// The units LSCP must cover: not covered by an existing site, coverable by a candidate.
pub(super) fn units_to_cover(instance: &Instance, covers: &[Vec<u32>], cutoff_s: f64) -> Vec<bool> {
    let mut needed = vec![false; instance.weights.len()];
    for list in covers {
        for &i in list {
            needed[i as usize] = true;
        }
    }
    for (i, n) in needed.iter_mut().enumerate() {
        *n = *n && !instance.covered_by_existing(i, cutoff_s);
    }
    needed
}

/// Greedy set cover (most units still uncovered, then most weight, then
/// lowest index), then sites whose units others cover are dropped.
fn set_cover(instance: &Instance, cutoff_s: f64) -> Vec<usize> {
    let covers = instance.cover_lists(cutoff_s);
    let needed = units_to_cover(instance, &covers, cutoff_s);
    let mut uncovered = needed.clone();
    let mut sites = Vec::new();
    loop {
        let gain = |c: usize| -> (usize, f64) {
            covers[c]
                .iter()
                .filter(|&&i| uncovered[i as usize])
                .fold((0, 0.0), |(n, w), &i| (n + 1, w + instance.weights[i as usize]))
        };
        let best = (0..instance.candidates)
            .filter(|c| !sites.contains(c))
            .map(|c| (c, gain(c)))
            .filter(|(_, (n, _))| *n > 0)
            .fold(None, |best: Option<(usize, (usize, f64))>, (c, g)| match best {
                Some((_, bg)) if bg.0 > g.0 || (bg.0 == g.0 && bg.1 >= g.1) => best,
                _ => Some((c, g)),
            });
        let Some((c, _)) = best else { break };
        for &i in &covers[c] {
            uncovered[i as usize] = false;
        }
        sites.push(c);
    }
    // Later sites were chosen for fewer units: try dropping the earliest first.
    let mut k = 0;
    while k < sites.len() {
        let mut count = vec![0u32; instance.weights.len()];
        for (m, &s) in sites.iter().enumerate() {
            if m != k {
                for &i in &covers[s] {
                    count[i as usize] += 1;
                }
            }
        }
        if needed.iter().zip(&count).all(|(n, c)| !n || *c > 0) {
            sites.remove(k);
        } else {
            k += 1;
        }
    }
    sites
}

/// p-median by greedy addition and vertex substitution, on per-candidate
/// lists of (unit, cost).
struct PMedianSearch<'a> {
    instance: &'a Instance,
    /// Per unit, the cost to the nearest existing site (or the unreached cost).
    base: Vec<f64>,
    columns: Vec<Vec<(u32, f64)>>,
}

impl<'a> PMedianSearch<'a> {
    fn new(instance: &'a Instance, unreached_cost_s: f64) -> Self {
        let mut base = vec![unreached_cost_s; instance.weights.len()];
        let mut columns = vec![Vec::new(); instance.candidates];
        for (i, list) in instance.pairs.iter().enumerate() {
            for &(f, c) in list {
                if (f as usize) < instance.candidates {
                    columns[f as usize].push((i as u32, c));
                } else {
                    base[i] = base[i].min(c);
                }
            }
        }
        PMedianSearch { instance, base, columns }
    }

    fn costs(&self, sites: &[usize]) -> Vec<f64> {
        let mut costs = self.base.clone();
        for &s in sites {
            for &(i, c) in &self.columns[s] {
                costs[i as usize] = costs[i as usize].min(c);
            }
        }
        costs
    }

    fn total(&self, sites: &[usize]) -> f64 {
        self.costs(sites).iter().zip(&self.instance.weights).map(|(c, w)| c * w).sum()
    }

    fn solve(&self, p: usize) -> Vec<usize> {
        let mut sites: Vec<usize> = Vec::new();
        for _ in 0..p {
            let costs = self.costs(&sites);
            let saving = |c: usize| -> f64 {
                self.columns[c]
                    .iter()
                    .map(|&(i, cost)| self.instance.weights[i as usize] * (costs[i as usize] - cost).max(0.0))
                    .sum()
            };
            let best = (0..self.instance.candidates).filter(|c| !sites.contains(c)).map(|c| (c, saving(c))).fold(
                None,
                |best: Option<(usize, f64)>, (c, s)| match best {
                    Some((_, bs)) if bs >= s => best,
                    _ => Some((c, s)),
                },
            );
            sites.extend(best.map(|(c, _)| c));
        }
        let mut best = self.total(&sites);
        loop {
            let mut improved: Option<(Vec<usize>, f64)> = None;
            for position in 0..sites.len() {
                for candidate in (0..self.instance.candidates).filter(|c| !sites.contains(c)) {
                    let mut trial = sites.clone();
                    trial[position] = candidate;
                    let total = self.total(&trial);
                    let bar = improved.as_ref().map_or(best, |(_, t)| *t);
                    if total < bar - 1e-9 * bar.abs().max(1.0) {
                        improved = Some((trial, total));
                    }
                }
            }
            match improved {
                Some((trial, total)) => {
                    sites = trial;
                    best = total;
                }
                None => return sites,
            }
        }
    }
}
