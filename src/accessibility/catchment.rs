//! The two steps shared by every floating-catchment index.

use super::matrix::CostMatrix;
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

/// Pairs per parallel task: large enough to amortise the per-task arrays.
const PAIRS_PER_TASK: usize = 1 << 18;

/// Sums `value(pair)` into `slots[key(pair)]`, in parallel.
fn scatter_sum(
    matrix: &CostMatrix,
    slots: usize,
    key: impl Fn(usize) -> usize + Sync,
    value: impl Fn(usize) -> f64 + Sync,
) -> Vec<f64> {
    (0..matrix.pairs.len())
        .into_par_iter()
        .with_min_len(PAIRS_PER_TASK)
        .fold(
            || vec![0.0; slots],
            |mut sums, k| {
                sums[key(k)] += value(k);
                sums
            },
        )
        .reduce(
            || vec![0.0; slots],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

/// Checks supply and demand against the matrix.
pub fn check_inputs(matrix: &CostMatrix, supply: &[f64], demand: &[f64]) -> Result<()> {
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
/// `A_i = sum_j w_ij R_j`, with `weight(pair index)` the pair's weight.
pub fn floating_catchment(
    matrix: &CostMatrix,
    supply: &[f64],
    demand: &[f64],
    max_cost_s: f64,
    weight: impl Fn(usize) -> f64 + Sync,
) -> Result<Catchment> {
    check_inputs(matrix, supply, demand)?;
    if max_cost_s.is_nan() || max_cost_s <= 0.0 {
        return Err(Error::parameter("max_cost", format!("{max_cost_s} s: the catchment must be a positive time")));
    }
    let pairs = &matrix.pairs;
    let inside = |k: usize| pairs[k].cost_s <= max_cost_s;
    let used = |k: usize| if inside(k) { weight(k) } else { 0.0 };
    let weighted_demand = scatter_sum(
        matrix,
        matrix.services,
        |k| pairs[k].service as usize,
        |k| demand[pairs[k].demand as usize] * used(k),
    );
    let ratio: Vec<f64> =
        supply.iter().zip(&weighted_demand).map(|(s, d)| if *d > 0.0 { s / d } else { 0.0 }).collect();
    let access = scatter_sum(
        matrix,
        matrix.demands,
        |k| pairs[k].demand as usize,
        |k| used(k) * ratio[pairs[k].service as usize],
    );
    Ok(Catchment { access, ratio })
}
