//! Service gaps: who has no service within reach, who is in the lowest
//! accessibility class, and a score that combines both, per demand unit and
//! summed per zone (municipality).
//!
//! Gap score of a unit: its population with no service within the time,
//! plus half of its population that is served but in the lowest class.

use crate::error::{Error, Result};

/// The lowest accessibility class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LowClass {
    /// The lowest fifth of the population by accessibility (population-weighted quintile).
    Quintile,
    /// Accessibility under a value.
    Below(f64),
}

/// Gaps of one demand unit for one category.
///
/// # Units
/// Populations in persons.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UnitGap {
    /// Population with no service within the time.
    pub unserved: f64,
    /// Population in the lowest accessibility class.
    pub low_access: f64,
    /// `unserved + 0.5 * (low_access that is served)`.
    pub score: f64,
}

/// The accessibility under which the lowest class starts: the value `a` such
/// that units with accessibility `<= a` hold at least a fifth of the population.
pub fn quintile_threshold(access: &[f64], population: &[f64]) -> f64 {
    let mut order: Vec<usize> = (0..access.len()).collect();
    order.sort_by(|&a, &b| access[a].total_cmp(&access[b]));
    let total: f64 = population.iter().sum();
    let mut cumulative = 0.0;
    for i in order {
        cumulative += population[i];
        if cumulative >= 0.2 * total {
            return access[i];
        }
    }
    f64::NEG_INFINITY
}

/// Gaps per unit, given whether each unit has a service within the time and its accessibility.
pub fn unit_gaps(served: &[bool], access: &[f64], population: &[f64], low: LowClass) -> Result<Vec<UnitGap>> {
    if served.len() != population.len() || access.len() != population.len() {
        return Err(Error::parameter("population", "one value per demand unit is needed"));
    }
    let threshold = match low {
        LowClass::Quintile => quintile_threshold(access, population),
        LowClass::Below(value) => value,
    };
    let inclusive = matches!(low, LowClass::Quintile);
    Ok((0..population.len())
        .map(|i| {
            let low_class = if inclusive { access[i] <= threshold } else { access[i] < threshold };
            let unserved = if served[i] { 0.0 } else { population[i] };
            let low_access = if low_class { population[i] } else { 0.0 };
            let served_low = if served[i] { low_access } else { 0.0 };
            UnitGap { unserved, low_access, score: unserved + 0.5 * served_low }
        })
        .collect())
}

/// Gaps summed per zone, worst (highest score) first: `(zone, sums)`.
/// A map keyed by zone keeps this O(n log n) when every unit is its own zone.
pub fn by_zone(gaps: &[UnitGap], zone_of_unit: &[String]) -> Vec<(String, UnitGap)> {
    let mut sums: std::collections::BTreeMap<&str, UnitGap> = std::collections::BTreeMap::new();
    for (g, zone) in gaps.iter().zip(zone_of_unit) {
        let s = sums.entry(zone.as_str()).or_insert(UnitGap { unserved: 0.0, low_access: 0.0, score: 0.0 });
        s.unserved += g.unserved;
        s.low_access += g.low_access;
        s.score += g.score;
    }
    let mut sums: Vec<(String, UnitGap)> = sums.into_iter().map(|(z, g)| (z.to_string(), g)).collect();
    sums.sort_by(|a, b| b.1.score.total_cmp(&a.1.score).then(a.0.cmp(&b.0)));
    sums
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_by_hand() {
        // populations 10, 20, 30, 40: the lowest fifth (20 persons) needs units 0 and 1
        let access = [0.1, 0.2, 0.3, 0.4];
        let population = [10.0, 20.0, 30.0, 40.0];
        assert_eq!(quintile_threshold(&access, &population), 0.2);
        let gaps = unit_gaps(&[false, true, true, true], &access, &population, LowClass::Quintile).unwrap();
        assert_eq!(gaps[0], UnitGap { unserved: 10.0, low_access: 10.0, score: 10.0 });
        assert_eq!(gaps[1], UnitGap { unserved: 0.0, low_access: 20.0, score: 10.0 });
        assert_eq!(gaps[2].score, 0.0);
        let zones = by_zone(&gaps, &["a".into(), "b".into(), "b".into(), "a".into()]);
        assert_eq!(zones[0].0, "a");
        assert_eq!(zones[0].1.score, 10.0);
        let below = unit_gaps(&[true; 4], &access, &population, LowClass::Below(0.3)).unwrap();
        assert_eq!(below.iter().map(|g| g.low_access).sum::<f64>(), 30.0);
    }
}
