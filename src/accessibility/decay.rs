//! Distance-decay functions: the weight of a service at a travel cost.

use crate::error::{Error, Result};

/// A decay function of travel cost.
///
/// # Units
/// Every cost and scale in seconds; weights dimensionless.
#[derive(Debug, Clone, PartialEq)]
pub enum Decay {
    /// Weight 1 everywhere (plain 2SFCA).
    Uniform,
    /// Step weights: `(upper_s, weight)` zones, ascending; a cost at a
    /// zone's upper bound belongs to it; beyond the last zone, 0.
    Step { zones: Vec<(f64, f64)> },
    /// `1 - cost / zero_at_s`, 0 beyond.
    Linear { zero_at_s: f64 },
    /// `exp(-cost / scale_s)`.
    Exponential { scale_s: f64 },
    /// `exp(-cost^2 / (2 sigma^2))`, 1 at cost 0.
    Gaussian { sigma_s: f64 },
    /// `max(cost, min_cost_s)^exponent` (e.g. exponent -1 for 1/d).
    Power { exponent: f64, min_cost_s: f64 },
}

impl std::str::FromStr for Decay {
    type Err = Error;
    /// `uniform`, `linear:ZERO_AT_S`, `exponential:SCALE_S`, `gaussian:SIGMA_S`,
    /// `power:EXPONENT[:MIN_COST_S]` (e.g. `power:-1:60`).
    fn from_str(text: &str) -> Result<Self> {
        let mut parts = text.split(':');
        let name = parts.next().unwrap_or_default();
        let numbers: Vec<f64> = parts
            .map(|p| {
                p.trim()
                    .parse::<f64>()
                    .map_err(|_| Error::parameter("decay", format!("'{p}' in '{text}' is not a number")))
            })
            .collect::<Result<_>>()?;
        let arity = |n: std::ops::RangeInclusive<usize>| {
            if n.contains(&numbers.len()) {
                Ok(())
            } else {
                Err(Error::parameter("decay", format!("'{text}': {name} takes {n:?} numbers")))
            }
        };
        let decay = match name {
            "uniform" => arity(0..=0).map(|_| Decay::Uniform),
            "linear" => arity(1..=1).map(|_| Decay::Linear { zero_at_s: numbers[0] }),
            "exponential" => arity(1..=1).map(|_| Decay::Exponential { scale_s: numbers[0] }),
            "gaussian" => arity(1..=1).map(|_| Decay::Gaussian { sigma_s: numbers[0] }),
            "power" => arity(1..=2)
                .map(|_| Decay::Power { exponent: numbers[0], min_cost_s: numbers.get(1).copied().unwrap_or(0.0) }),
            other => Err(Error::parameter(
                "decay",
                format!("'{other}' is not one of uniform, linear, exponential, gaussian, power"),
            )),
        }?;
        decay.validated()
    }
}

impl Decay {
    /// The weight at a cost.
    pub fn weight(&self, cost_s: f64) -> f64 {
        match self {
            Decay::Uniform => 1.0,
            Decay::Step { zones } => Decay::step_weight(zones, cost_s),
            Decay::Linear { zero_at_s } => (1.0 - cost_s / zero_at_s).max(0.0),
            Decay::Exponential { scale_s } => (-cost_s / scale_s).exp(),
            Decay::Gaussian { sigma_s } => (-(cost_s * cost_s) / (2.0 * sigma_s * sigma_s)).exp(),
            Decay::Power { exponent, min_cost_s } => cost_s.max(*min_cost_s).powf(*exponent),
        }
    }

    /// The weight of the first `(upper_s, weight)` zone that holds the cost, 0 past the last.
    pub(super) fn step_weight(zones: &[(f64, f64)], cost_s: f64) -> f64 {
        // selects, not branches: costs come in any order
        zones.iter().rev().fold(0.0, |w, (upper, zw)| if cost_s <= *upper { *zw } else { w })
    }

    /// Checks the parameters; a power decay with a negative exponent needs a
    /// positive minimum cost unless no cost is zero.
    pub fn validated(self) -> Result<Self> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(Error::parameter(name, format!("{v} must be a positive number")))
            }
        };
        match &self {
            Decay::Step { zones } => {
                if zones.is_empty() || zones.windows(2).any(|w| w[0].0 >= w[1].0) {
                    return Err(Error::parameter("zones", "zones must be given with ascending upper bounds"));
                }
                if zones.iter().any(|(upper, w)| !(upper.is_finite() && *upper > 0.0 && w.is_finite() && *w >= 0.0)) {
                    return Err(Error::parameter("zones", "zone bounds must be positive and weights >= 0"));
                }
            }
            Decay::Linear { zero_at_s } => positive("zero_at_s", *zero_at_s)?,
            Decay::Exponential { scale_s } => positive("scale_s", *scale_s)?,
            Decay::Gaussian { sigma_s } => positive("sigma_s", *sigma_s)?,
            Decay::Power { exponent, min_cost_s } => {
                if !exponent.is_finite() || !min_cost_s.is_finite() || *min_cost_s < 0.0 {
                    return Err(Error::parameter(
                        "exponent",
                        "exponent and min_cost_s must be finite, min_cost_s >= 0",
                    ));
                }
            }
            Decay::Uniform => {}
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_by_hand() {
        let zones = Decay::Step { zones: vec![(600.0, 1.0), (1200.0, 0.68), (1800.0, 0.22)] };
        assert_eq!(zones.weight(600.0), 1.0);
        assert_eq!(zones.weight(600.1), 0.68);
        assert_eq!(zones.weight(1800.0), 0.22);
        assert_eq!(zones.weight(1800.1), 0.0);
        assert_eq!(Decay::Linear { zero_at_s: 100.0 }.weight(25.0), 0.75);
        assert!((Decay::Exponential { scale_s: 10.0 }.weight(10.0) - (-1.0f64).exp()).abs() < 1e-15);
        assert!((Decay::Gaussian { sigma_s: 2.0 }.weight(2.0) - (-0.5f64).exp()).abs() < 1e-15);
        assert_eq!(Decay::Power { exponent: -1.0, min_cost_s: 5.0 }.weight(1.0), 0.2);
        assert_eq!(Decay::Power { exponent: -1.0, min_cost_s: 5.0 }.weight(40.0), 0.025);
    }
}
