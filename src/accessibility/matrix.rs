//! A sparse cost matrix between demand units and services.

use crate::cost::CostModel;
use crate::error::{Error, Result};
use crate::index::FacilityIndex;
use crate::progress::{par_map_chunked, Progress};

/// The most demand-service pairs a catchment may hold (about 4 GiB while they are gathered).
const MAX_PAIRS: usize = 100_000_000;

/// One demand unit - service pair.
///
/// # Units
/// `cost_s` in seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub demand: u32,
    pub service: u32,
    pub cost_s: f64,
}

/// Costs between `demands` demand units and `services` services; pairs
/// absent are beyond reach.
#[derive(Debug, Clone, PartialEq)]
pub struct CostMatrix {
    pub demands: usize,
    pub services: usize,
    pub pairs: Vec<Pair>,
}

impl CostMatrix {
    /// Checks indices and costs.
    pub fn new(demands: usize, services: usize, pairs: Vec<Pair>) -> Result<Self> {
        for (k, p) in pairs.iter().enumerate() {
            if p.demand as usize >= demands || p.service as usize >= services {
                return Err(Error::parameter(
                    "pairs",
                    format!("pair {k} names a demand unit or service that does not exist"),
                ));
            }
            if !(p.cost_s.is_finite() && p.cost_s >= 0.0) {
                return Err(Error::parameter(
                    "cost",
                    format!("pair {k} has cost {}, not a finite cost >= 0", p.cost_s),
                ));
            }
        }
        Ok(CostMatrix { demands, services, pairs })
    }

    /// Every pair within `cutoff_s` by a cost model, in parallel.
    pub fn from_model(
        demand: &[[f64; 2]],
        services: &FacilityIndex,
        model: &dyn CostModel,
        category: Option<usize>,
        cutoff_s: f64,
        progress: &dyn Progress,
    ) -> Result<Self> {
        let costs = model.bind(services)?;
        // memory is bounded as the pairs are found: past the limit, the rest is skipped and refused
        let found = std::sync::atomic::AtomicUsize::new(0);
        let rows = par_map_chunked(demand.len(), 256, progress, |i| {
            if found.load(std::sync::atomic::Ordering::Relaxed) > MAX_PAIRS {
                return Vec::new();
            }
            let row = costs.within(demand[i], category, cutoff_s);
            found.fetch_add(row.len(), std::sync::atomic::Ordering::Relaxed);
            row
        })?;
        let found = found.into_inner();
        if found > MAX_PAIRS {
            return Err(Error::parameter(
                "catchment_minutes",
                format!(
                    "more than {MAX_PAIRS} demand-service pairs lie within the catchment ({} units x {} services; about {:.1} GiB or more): use a shorter catchment or coarser demand units",
                    demand.len(),
                    services.len(),
                    found as f64 * 40.0 / (1u64 << 30) as f64
                ),
            ));
        }
        let pairs = rows
            .into_iter()
            .enumerate()
            .flat_map(|(i, found)| {
                found.into_iter().map(move |r| Pair { demand: i as u32, service: r.service as u32, cost_s: r.time_s })
            })
            .collect();
        Ok(CostMatrix { demands: demand.len(), services: services.len(), pairs })
    }
}
