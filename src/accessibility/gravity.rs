//! Gravity accessibility (Shen 1998):
//! `A_i = sum_j S_j f(d_ij) / sum_k P_k f(d_kj)`, with a continuous decay `f`.
//! It is the decay-weighted 2SFCA, usually without a catchment limit.

use super::{two_sfca, Catchment, CostMatrix, Decay, PairTable};
use crate::error::Result;

/// Shen's gravity index over the pairs within `max_cost_s` (infinity for all pairs).
pub fn gravity<P: PairTable>(
    matrix: &CostMatrix<P>,
    supply: &[f64],
    demand: &[f64],
    decay: &Decay,
    max_cost_s: f64,
) -> Result<Catchment> {
    two_sfca(matrix, supply, demand, decay, max_cost_s)
}
