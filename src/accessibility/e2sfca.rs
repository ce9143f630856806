//! E2SFCA (Luo and Qi 2009): step weights by travel-time zone, in both steps.

use super::{floating_catchment, Catchment, CostMatrix, Decay, PairTable};
use crate::error::Result;

/// The zones of Luo and Qi: 0-10 min weight 1.00, 10-20 min 0.68, 20-30 min 0.22.
///
/// # Units
/// `(upper bound in seconds, weight)`.
pub fn default_zones() -> Vec<(f64, f64)> {
    vec![(600.0, 1.0), (1200.0, 0.68), (1800.0, 0.22)]
}

/// E2SFCA with `(upper_s, weight)` zones; the catchment is the last zone.
pub fn e2sfca<P: PairTable>(
    matrix: &CostMatrix<P>,
    supply: &[f64],
    demand: &[f64],
    zones: &[(f64, f64)],
) -> Result<Catchment> {
    Decay::Step { zones: zones.to_vec() }.validated()?;
    let max_cost_s = zones.last().map_or(0.0, |z| z.0);
    // the step weight itself, not through the match on the decay, once per pair and step
    floating_catchment(matrix, supply, demand, max_cost_s, |_, p| Decay::step_weight(zones, p.cost_s))
}
