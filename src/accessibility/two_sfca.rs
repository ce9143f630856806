//! 2SFCA (Luo and Wang 2003): `R_j = S_j / sum_{d_kj <= d0} P_k`,
//! `A_i = sum_{d_ij <= d0} R_j`; with a decay, each term weighted by `f(d)`.

use super::{floating_catchment, Catchment, CostMatrix, Decay};
use crate::error::Result;

/// 2SFCA within `max_cost_s`, weighted by `decay` (`Decay::Uniform` for the original).
pub fn two_sfca(
    matrix: &CostMatrix,
    supply: &[f64],
    demand: &[f64],
    decay: &Decay,
    max_cost_s: f64,
) -> Result<Catchment> {
    let decay = decay.clone().validated()?;
    floating_catchment(matrix, supply, demand, max_cost_s, |k| decay.weight(matrix.pairs[k].cost_s))
}
