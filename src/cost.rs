//! Cost models: how long it takes to reach a service.
//!
//! Every analysis asks a [`CostModel`], so the straight-line model here and
//! the network model plug in alike.
//!
//! Cut-off rule: a service whose travel time equals the cut-off exactly is
//! inside (`time_s <= cutoff_s`).

use crate::error::{Error, Result};
use crate::index::FacilityIndex;
use std::str::FromStr;

/// How people travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Walk,
    Bike,
    Car,
    /// Public transport timetables with walking legs (see [`crate::transit`]).
    Transit,
}

impl Mode {
    /// Every mode's name, as options take them.
    pub const NAMES: &'static [&'static str] = &["walk", "bike", "car", "transit"];

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Walk => "walk",
            Mode::Bike => "bike",
            Mode::Car => "car",
            Mode::Transit => "transit",
        }
    }
}

impl FromStr for Mode {
    type Err = Error;
    fn from_str(text: &str) -> Result<Self> {
        match text {
            "walk" => Ok(Mode::Walk),
            "bike" => Ok(Mode::Bike),
            "car" => Ok(Mode::Car),
            "transit" => Ok(Mode::Transit),
            other => Err(Error::parameter("mode", format!("'{other}' is not one of {}", Mode::NAMES.join(", ")))),
        }
    }
}

/// A service reached from an origin.
///
/// # Units
/// `distance_m` in metres travelled, `time_s` in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    pub service: usize,
    pub distance_m: f64,
    pub time_s: f64,
}

/// A way of travelling: binds to a set of services, then answers travel
/// costs from any origin to them.
pub trait CostModel: Sync {
    /// The travel mode the costs are for.
    fn mode(&self) -> Mode;

    /// Prepares costs to `services` (a network model snaps them once here).
    fn bind<'a>(&'a self, services: &'a FacilityIndex) -> Result<Box<dyn ServiceCosts + 'a>>;
}

/// Travel costs from origin points to a bound set of services.
pub trait ServiceCosts: Sync {
    /// The quickest service of a category (any category when `None`).
    fn nearest(&self, origin: [f64; 2], category: Option<usize>) -> Option<Reach>;

    /// Every service of a category reachable within `cutoff_s` (inclusive), quickest first.
    fn within(&self, origin: [f64; 2], category: Option<usize>, cutoff_s: f64) -> Vec<Reach>;

    /// Services that no origin can reach (e.g. too far from the network).
    fn unreachable_services(&self) -> Vec<usize> {
        Vec::new()
    }
}

/// Straight-line cost: distance x detour factor, at a constant speed.
///
/// Defaults per mode: walk 1.25 m/s (4.5 km/h, a common planning value for
/// pedestrians of all ages), bike 4.17 m/s (15 km/h), car 8.33 m/s
/// (30 km/h, door to door on mixed urban and rural roads); detour factor 1.3,
/// the usual ratio of network to crow-fly distance on European road networks.
///
/// # Units
/// `speed_m_s` in metres per second; `detour_factor` dimensionless.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StraightLine {
    pub mode: Mode,
    pub speed_m_s: f64,
    pub detour_factor: f64,
}

impl Default for StraightLine {
    /// Walking, the mode of most people the programme serves.
    fn default() -> Self {
        StraightLine::for_mode(Mode::Walk)
    }
}

impl StraightLine {
    /// The documented defaults for a mode.
    pub fn for_mode(mode: Mode) -> Self {
        let speed_m_s = match mode {
            // transit's own legs are walked; its rides come from the timetable
            Mode::Walk | Mode::Transit => 1.25,
            Mode::Bike => 15.0 / 3.6,
            Mode::Car => 30.0 / 3.6,
        };
        StraightLine { mode, speed_m_s, detour_factor: 1.3 }
    }

    /// Checks the speed and detour factor.
    pub fn validated(self) -> Result<Self> {
        if !(self.speed_m_s.is_finite() && self.speed_m_s > 0.0) {
            return Err(Error::parameter("speed_m_s", format!("{} is not a positive speed", self.speed_m_s)));
        }
        if !(self.detour_factor.is_finite() && self.detour_factor >= 1.0) {
            return Err(Error::parameter("detour_factor", format!("{} is below 1", self.detour_factor)));
        }
        Ok(self)
    }

    /// Travel distance for a crow-fly distance.
    ///
    /// # Units
    /// metres in, metres out.
    pub fn travel_distance_m(&self, straight_m: f64) -> f64 {
        straight_m * self.detour_factor
    }

    /// Travel time for a crow-fly distance.
    ///
    /// # Units
    /// metres in, seconds out.
    pub fn time_s(&self, straight_m: f64) -> f64 {
        self.travel_distance_m(straight_m) / self.speed_m_s
    }

    fn reach(&self, service: usize, straight_m: f64) -> Reach {
        Reach { service, distance_m: self.travel_distance_m(straight_m), time_s: self.time_s(straight_m) }
    }
}

impl CostModel for StraightLine {
    fn mode(&self) -> Mode {
        self.mode
    }

    fn bind<'a>(&'a self, services: &'a FacilityIndex) -> Result<Box<dyn ServiceCosts + 'a>> {
        Ok(Box::new(StraightLineCosts { model: *self, services }))
    }
}

struct StraightLineCosts<'a> {
    model: StraightLine,
    services: &'a FacilityIndex,
}

impl ServiceCosts for StraightLineCosts<'_> {
    fn nearest(&self, origin: [f64; 2], category: Option<usize>) -> Option<Reach> {
        self.services.nearest(origin, category).map(|f| self.model.reach(f.service, f.distance_m))
    }

    fn within(&self, origin: [f64; 2], category: Option<usize>, cutoff_s: f64) -> Vec<Reach> {
        // Search a slightly larger circle, then apply the cut-off to the time
        // itself, so the inclusive rule holds despite rounding.
        let model = &self.model;
        let radius_m = cutoff_s * model.speed_m_s / model.detour_factor * (1.0 + 1e-9);
        self.services
            .within(origin, radius_m, category)
            .into_iter()
            .map(|f| model.reach(f.service, f.distance_m))
            .filter(|r| r.time_s <= cutoff_s)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cost_equal_to_the_cutoff_is_inside() {
        let model = StraightLine { mode: Mode::Walk, speed_m_s: 1.0, detour_factor: 1.0 };
        let index = FacilityIndex::new(vec![[300.0, 400.0], [600.0, 800.0]], vec![]).unwrap();
        // 500 m at 1 m/s is 500 s: exactly at the cut-off, so inside; 1000 s is not.
        let costs = model.bind(&index).unwrap();
        let found = costs.within([0.0, 0.0], None, 500.0);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].time_s, 500.0);
        assert!(costs.within([0.0, 0.0], None, 499.999).is_empty());
    }

    #[test]
    fn time_is_distance_times_detour_over_speed() {
        let model = StraightLine::for_mode(Mode::Walk);
        // 1 km crow-fly, 1.3 km walked at 1.25 m/s: 1040 s.
        assert!((model.time_s(1000.0) - 1040.0).abs() < 1e-9);
    }
}
