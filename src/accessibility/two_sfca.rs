//! 2SFCA (Luo and Wang 2003): `R_j = S_j / sum_{d_kj <= d0} P_k`,
//! `A_i = sum_{d_ij <= d0} R_j`; with a decay, each term weighted by `f(d)`.

use super::{floating_catchment, Catchment, CostMatrix, Decay, PairTable};
use crate::error::Result;

/// 2SFCA within `max_cost_s`, weighted by `decay` (`Decay::Uniform` for the original).
pub fn two_sfca<P: PairTable>(
    matrix: &CostMatrix<P>,
    supply: &[f64],
    demand: &[f64],
    decay: &Decay,
    max_cost_s: f64,
) -> Result<Catchment> {
    match decay.clone().validated()? {
        // weight 1 in the catchment, without the match on the decay once per pair and step
        Decay::Uniform => floating_catchment(matrix, supply, demand, max_cost_s, |_, _| 1.0),
        decay => floating_catchment(matrix, supply, demand, max_cost_s, |_, p| decay.weight(p.cost_s)),
    }
}
