//! 3SFCA (Wan, Zou and Sternberg 2012): the decay weight `W_ij` times a
//! selection weight `G_ij = W_ij / sum_k W_ik`, in both steps.
//!
//! The sum runs over every pair of the matrix for demand unit `i`. On a
//! matrix built with the cut-off that is the catchment, as in the paper; on
//! a full matrix it includes farther services too, as PySAL `access` does.

use super::catchment::scatter_sum;
use super::{floating_catchment, Catchment, CostMatrix, Decay, PairTable};
use crate::error::Result;
use rayon::prelude::*;

/// 3SFCA within `max_cost_s`.
pub fn three_sfca<P: PairTable>(
    matrix: &CostMatrix<P>,
    supply: &[f64],
    demand: &[f64],
    decay: &Decay,
    max_cost_s: f64,
) -> Result<Catchment> {
    let decay = decay.clone().validated()?;
    // the selection weights read every pair before the catchment's own pass
    matrix.check()?;
    let pairs = &matrix.pairs;
    let w: Vec<f64> = (0..pairs.count()).into_par_iter().map(|k| decay.weight(pairs.pair(k).cost_s)).collect();
    let total = scatter_sum(pairs, matrix.demands, |p| p.demand as usize, |k, _| w[k]);
    floating_catchment(matrix, supply, demand, max_cost_s, |k, p| {
        let t = total[p.demand as usize];
        if t > 0.0 {
            w[k] * w[k] / t
        } else {
            0.0
        }
    })
}
