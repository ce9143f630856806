//! The two steps shared by every floating-catchment index.

use super::matrix::{CostMatrix, Pair, PairTable};
use crate::error::{Error, Result};
use rayon::prelude::*;

/// An index's result.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Catchment {
    /// `A_i` per demand unit.
    pub access: Vec<f64>,
    /// `R_j` per service: supply per weighted person in its catchment (0 when nobody is in reach).
    pub ratio: Vec<f64>,
}

/// The fewest pairs worth a parallel task of their own.
const MIN_PAIRS_PER_TASK: usize = 1 << 16;

/// Sums `value(pair index, pair)` into `slots[key(pair)]`, in one streaming
/// pass: a contiguous share of the pairs per thread, each into its own sums,
/// then added up. Consecutive pairs with the same key (a demand unit's row
/// when the pairs are demand-major) are summed in a register first, not
/// through memory pair by pair.
pub(super) fn scatter_sum(
    pairs: &impl PairTable,
    slots: usize,
    key: impl Fn(&Pair) -> usize + Sync,
    value: impl Fn(usize, &Pair) -> f64 + Sync,
) -> Vec<f64> {
    let count = pairs.count();
    let tasks = rayon::current_num_threads().min(count.div_ceil(MIN_PAIRS_PER_TASK)).max(1);
    let len = count.div_ceil(tasks).max(1);
    (0..count.div_ceil(len))
        .into_par_iter()
        .map(|c| {
            let range = c * len..((c + 1) * len).min(count);
            let mut sums = vec![0.0; slots];
            let (mut slot, mut run) = (key(&pairs.pair(range.start)), 0.0);
            for (k, p) in range.clone().zip(pairs.slice(range)) {
                let s = key(&p);
                if s != slot {
                    sums[slot] += run;
                    (slot, run) = (s, 0.0);
                }
                run += value(k, &p);
            }
            sums[slot] += run;
            sums
        })
        .reduce_with(|mut a, b| {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
            a
        })
        .unwrap_or_else(|| vec![0.0; slots])
}

/// Checks supply and demand against the matrix.
pub fn check_inputs<P>(matrix: &CostMatrix<P>, supply: &[f64], demand: &[f64]) -> Result<()> {
    if supply.len() != matrix.services || demand.len() != matrix.demands {
        return Err(Error::parameter(
            "supply",
            format!(
                "{} supplies and {} demands for a {} x {} matrix",
                supply.len(),
                demand.len(),
                matrix.demands,
                matrix.services
            ),
        ));
    }
    if let Some(j) = supply.iter().position(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(Error::parameter(
            "capacity",
            format!("service {j} has capacity {}: it must be positive", supply[j]),
        ));
    }
    if let Some(i) = demand.iter().position(|p| !(p.is_finite() && *p >= 0.0)) {
        return Err(Error::parameter("population", format!("demand unit {i} has population {}", demand[i])));
    }
    if demand.iter().all(|p| *p == 0.0) {
        return Err(Error::parameter("population", "every population is zero: no demand to share supply among"));
    }
    Ok(())
}

/// `R_j = S_j / sum_i P_i w_ij` over pairs within `max_cost_s`, then
/// `A_i = sum_j w_ij R_j`, with `weight(pair index, pair)` the pair's weight
/// (asked in both steps: it should be cheap, or looked up). Each step is one
/// pass over the pairs as they are kept, in any order.
pub fn floating_catchment<P: PairTable>(
    matrix: &CostMatrix<P>,
    supply: &[f64],
    demand: &[f64],
    max_cost_s: f64,
    weight: impl Fn(usize, &Pair) -> f64 + Sync,
) -> Result<Catchment> {
    check_inputs(matrix, supply, demand)?;
    if max_cost_s.is_nan() || max_cost_s <= 0.0 {
        return Err(Error::parameter("max_cost", format!("{max_cost_s} s: the catchment must be a positive time")));
    }
    let pairs = &matrix.pairs;
    // a select, not a branch: costs either side of the cut-off come in any order
    let used = |k: usize, p: &Pair| {
        let w = weight(k, p);
        if p.cost_s <= max_cost_s {
            w
        } else {
            0.0
        }
    };
    let weighted_demand = if matrix.unchecked() && matrix.services > 0 {
        // checked as read: a bad pair adds 0 to service 0 and is reported after the pass
        let bad = std::sync::atomic::AtomicBool::new(false);
        let sums = scatter_sum(
            pairs,
            matrix.services,
            |p| if matrix.is_usable(p) { p.service as usize } else { 0 },
            |k, p| {
                if matrix.is_usable(p) {
                    demand[p.demand as usize] * used(k, p)
                } else {
                    bad.store(true, std::sync::atomic::Ordering::Relaxed);
                    0.0
                }
            },
        );
        if bad.into_inner() {
            matrix.check()?;
        }
        sums
    } else {
        matrix.check()?;
        scatter_sum(pairs, matrix.services, |p| p.service as usize, |k, p| demand[p.demand as usize] * used(k, p))
    };
    let ratio: Vec<f64> =
        supply.iter().zip(&weighted_demand).map(|(s, d)| if *d > 0.0 { s / d } else { 0.0 }).collect();
    let access =
        scatter_sum(pairs, matrix.demands, |p| p.demand as usize, |k, p| used(k, p) * ratio[p.service as usize]);
    Ok(Catchment { access, ratio })
}

#[cfg(test)]
mod tests {
    use super::super::{default_zones, e2sfca, two_sfca, Decay};
    use super::*;

    /// A cost table as columns, with its supply and demand.
    struct Table {
        i: Vec<i64>,
        j: Vec<i64>,
        cost_s: Vec<f64>,
        supply: Vec<f64>,
        demand: Vec<f64>,
    }

    /// Demand-major pairs of 400 units x 500 services (several parallel
    /// tasks), about a third beyond 1800 s.
    fn table() -> Table {
        let mut state = 7u64;
        let mut uniform = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let (units, services) = (400, 500);
        Table {
            i: (0..units * services).map(|k| k / services).collect(),
            j: (0..units * services).map(|k| k % services).collect(),
            cost_s: (0..units * services).map(|_| uniform() * 2700.0).collect(),
            supply: (0..services).map(|_| 1.0 + uniform() * 49.0).collect(),
            demand: (0..units).map(|_| uniform() * 1000.0).collect(),
        }
    }

    /// 2SFCA and E2SFCA, both with a 30-minute catchment.
    fn indices(matrix: &CostMatrix<impl PairTable>, supply: &[f64], demand: &[f64]) -> [Catchment; 2] {
        [
            two_sfca(matrix, supply, demand, &Decay::Uniform, 1800.0).unwrap(),
            e2sfca(matrix, supply, demand, &default_zones()).unwrap(),
        ]
    }

    #[test]
    fn columns_pairs_and_any_order_agree() {
        let Table { i, j, cost_s, supply, demand } = table();
        let columns = CostMatrix::from_columns(demand.len(), supply.len(), &i, &j, &cost_s).unwrap();
        let pairs: Vec<Pair> = columns.pairs.slice(0..cost_s.len()).collect();
        let mut service_major = pairs.clone();
        service_major.sort_by_key(|p| (p.service, std::cmp::Reverse(p.demand)));
        let pairs = CostMatrix::new(demand.len(), supply.len(), pairs).unwrap();
        let service_major = CostMatrix::new(demand.len(), supply.len(), service_major).unwrap();
        let expected = indices(&columns, &supply, &demand);
        assert_eq!(indices(&pairs, &supply, &demand), expected);
        // another order sums in another order: equal to rounding
        for (a, b) in expected.iter().zip(indices(&service_major, &supply, &demand)) {
            for (x, y) in a.access.iter().chain(&a.ratio).zip(b.access.iter().chain(&b.ratio)) {
                assert!((x - y).abs() <= 1e-13 * x.abs(), "{x} vs {y}");
            }
        }
    }
}
