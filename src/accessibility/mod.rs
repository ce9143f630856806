//! Accessibility indices of the floating-catchment family, on a sparse
//! cost matrix with a cut-off (from any cost model, or given).
//!
//! Every index here is the same two steps with a different weight `w_ij`
//! on the pair of demand unit `i` and service `j`:
//! `R_j = S_j / sum_i P_i w_ij` (supply per person who may use `j`), then
//! `A_i = sum_j w_ij R_j`. With the same weights in both steps,
//! `sum_i P_i A_i = sum_j S_j` over the services with demand in reach.
//! A cost exactly equal to the cut-off is inside (`cost <= max_cost_s`).

mod catchment;
mod decay;
mod e2sfca;
mod gravity;
mod matrix;
mod three_sfca;
mod two_sfca;

pub use catchment::{floating_catchment, Catchment};
pub use decay::Decay;
pub use e2sfca::{default_zones, e2sfca};
pub use gravity::gravity;
pub use matrix::{Columns, CostMatrix, Pair, PairTable};
pub use three_sfca::three_sfca;
pub use two_sfca::two_sfca;

use crate::error::{Error, Result};
use std::str::FromStr;

/// The index to compute.
#[derive(Debug, Clone, PartialEq)]
pub enum Method {
    /// 2SFCA (Luo and Wang 2003), optionally weighted by a decay inside the catchment.
    TwoStep { decay: Decay },
    /// E2SFCA (Luo and Qi 2009): step weights by travel-time zone.
    Enhanced { zones: Vec<(f64, f64)> },
    /// 3SFCA (Wan, Zou and Sternberg 2012): decay times a selection weight.
    ThreeStep { decay: Decay },
    /// Gravity model (Shen 1998): a continuous decay, in both steps.
    Gravity { decay: Decay },
}

impl FromStr for Method {
    type Err = Error;
    /// `2sfca`, `e2sfca`, `3sfca` or `gravity`, with their default weights.
    fn from_str(text: &str) -> Result<Self> {
        match text {
            "2sfca" => Ok(Method::TwoStep { decay: Decay::Uniform }),
            "e2sfca" => Ok(Method::Enhanced { zones: default_zones() }),
            "3sfca" => Ok(Method::ThreeStep { decay: Decay::Power { exponent: -1.0, min_cost_s: 0.0 } }),
            "gravity" => Ok(Method::Gravity { decay: Decay::Power { exponent: -1.0, min_cost_s: 60.0 } }),
            other => Err(Error::parameter("method", format!("'{other}' is not one of 2sfca, e2sfca, 3sfca, gravity"))),
        }
    }
}

/// Computes an index: one value per demand unit (0 where nothing is in reach).
///
/// # Units
/// `max_cost_s` in seconds (the catchment); supply and demand in their own units
/// (users per week, persons), so the index is supply per person.
pub fn accessibility<P: PairTable>(
    matrix: &CostMatrix<P>,
    supply: &[f64],
    demand: &[f64],
    method: &Method,
    max_cost_s: f64,
) -> Result<Catchment> {
    match method {
        Method::TwoStep { decay } => two_sfca(matrix, supply, demand, decay, max_cost_s),
        Method::Enhanced { zones } => e2sfca(matrix, supply, demand, zones),
        Method::ThreeStep { decay } => three_sfca(matrix, supply, demand, decay, max_cost_s),
        Method::Gravity { decay } => gravity(matrix, supply, demand, decay, max_cost_s),
    }
}
