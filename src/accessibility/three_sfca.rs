//! 3SFCA (Wan, Zou and Sternberg 2012): the decay weight `W_ij` times a
//! selection weight `G_ij = W_ij / sum_k W_ik`, in both steps.
//!
//! The sum runs over every pair of the matrix for demand unit `i`. On a
//! matrix built with the cut-off that is the catchment, as in the paper; on
//! a full matrix it includes farther services too, as PySAL `access` does.

use super::{floating_catchment, Catchment, CostMatrix, Decay};
use crate::error::Result;

/// 3SFCA within `max_cost_s`.
pub fn three_sfca(
    matrix: &CostMatrix,
    supply: &[f64],
    demand: &[f64],
    decay: &Decay,
    max_cost_s: f64,
) -> Result<Catchment> {
    let decay = decay.clone().validated()?;
    let w: Vec<f64> = matrix.pairs.iter().map(|p| decay.weight(p.cost_s)).collect();
    let mut total = vec![0.0; matrix.demands];
    for (p, wk) in matrix.pairs.iter().zip(&w) {
        total[p.demand as usize] += wk;
    }
    floating_catchment(matrix, supply, demand, max_cost_s, |k| {
        let t = total[matrix.pairs[k].demand as usize];
        if t > 0.0 {
            w[k] * w[k] / t
        } else {
            0.0
        }
    })
}
