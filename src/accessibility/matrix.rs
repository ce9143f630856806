//! A sparse cost matrix between demand units and services.

use crate::cost::CostModel;
use crate::error::{Error, Result};
use crate::index::FacilityIndex;
use crate::progress::{par_map_chunked, Progress};
use rayon::prelude::*;
use std::ops::Range;

/// The most demand-service pairs a catchment may hold (about 4 GiB while they are gathered).
const MAX_PAIRS: usize = 100_000_000;

/// Pairs checked per parallel task (rayon's per-item search is slow on this loop).
const CHECK_CHUNK: usize = 1 << 16;

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

/// Where a matrix keeps its pairs: its own `Vec<Pair>`, or borrowed [`Columns`].
pub trait PairTable: Sync {
    /// How many pairs.
    fn count(&self) -> usize;
    /// Pair `k`.
    fn pair(&self, k: usize) -> Pair;
    /// The pairs in `range`, in order.
    fn slice(&self, range: Range<usize>) -> impl Iterator<Item = Pair> + '_;
}

impl PairTable for Vec<Pair> {
    fn count(&self) -> usize {
        self.len()
    }

    fn pair(&self, k: usize) -> Pair {
        self[k]
    }

    fn slice(&self, range: Range<usize>) -> impl Iterator<Item = Pair> + '_ {
        self[range].iter().copied()
    }
}

/// A cost table kept by its caller as three columns (pair `k` is
/// `demand[k]`, `service[k]`, `cost_s[k]`), read in place; checked as it is
/// first read (see [`CostMatrix::from_columns`]).
///
/// # Units
/// `cost_s` in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns<'a> {
    demand: &'a [i64],
    service: &'a [i64],
    cost_s: &'a [f64],
}

impl Columns<'_> {
    /// A negative index, or one past u32, reads as u32::MAX: a unit that does not exist.
    fn index(v: i64) -> u32 {
        u32::try_from(v).unwrap_or(u32::MAX)
    }
}

impl PairTable for Columns<'_> {
    fn count(&self) -> usize {
        self.cost_s.len()
    }

    fn pair(&self, k: usize) -> Pair {
        Pair { demand: Self::index(self.demand[k]), service: Self::index(self.service[k]), cost_s: self.cost_s[k] }
    }

    fn slice(&self, range: Range<usize>) -> impl Iterator<Item = Pair> + '_ {
        let (i, j, c) = (&self.demand[range.clone()], &self.service[range.clone()], &self.cost_s[range]);
        i.iter().zip(j).zip(c).map(|((i, j), c)| Pair { demand: Self::index(*i), service: Self::index(*j), cost_s: *c })
    }
}

/// Costs between `demands` demand units and `services` services; pairs
/// absent are beyond reach. `P` keeps the pairs (a [`PairTable`]).
#[derive(Debug, Clone, PartialEq)]
pub struct CostMatrix<P = Vec<Pair>> {
    pub demands: usize,
    pub services: usize,
    pub pairs: P,
    /// The pairs have not been checked yet: the first pass over them checks
    /// them too ([`CostMatrix::is_usable`]) and refuses the matrix with
    /// [`CostMatrix::check`] if one is bad.
    unchecked: bool,
}

impl<P: PairTable> CostMatrix<P> {
    /// Whether a pair names an existing demand unit and service and has a
    /// finite cost >= 0 (branch-free, for the passes that check as they read).
    pub(super) fn is_usable(&self, p: &Pair) -> bool {
        ((p.demand as usize) < self.demands)
            & ((p.service as usize) < self.services)
            & p.cost_s.is_finite()
            & (p.cost_s >= 0.0)
    }

    /// Whether the pairs still need checking as they are first read.
    pub(super) fn unchecked(&self) -> bool {
        self.unchecked
    }

    /// Checks every pair (once), in parallel; the first bad pair is the one refused.
    pub fn check(&self) -> Result<()> {
        if !self.unchecked {
            return Ok(());
        }
        let count = self.pairs.count();
        let first_bad = (0..count.div_ceil(CHECK_CHUNK)).into_par_iter().find_map_first(|c| {
            let start = c * CHECK_CHUNK;
            let mut chunk = self.pairs.slice(start..(start + CHECK_CHUNK).min(count));
            chunk.position(|p| !self.is_usable(&p)).map(|k| start + k)
        });
        let Some(k) = first_bad else {
            return Ok(());
        };
        let p = self.pairs.pair(k);
        Err(if ((p.demand as usize) < self.demands) & ((p.service as usize) < self.services) {
            Error::parameter("cost", format!("pair {k} has cost {}, not a finite cost >= 0", p.cost_s))
        } else {
            Error::parameter("pairs", format!("pair {k} names a demand unit or service that does not exist"))
        })
    }
}

impl CostMatrix {
    /// Checks indices and costs, in parallel; the first bad pair is the one refused.
    pub fn new(demands: usize, services: usize, pairs: Vec<Pair>) -> Result<Self> {
        let matrix = CostMatrix { demands, services, pairs, unchecked: true };
        matrix.check()?;
        Ok(CostMatrix { unchecked: false, ..matrix })
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
        Ok(CostMatrix { demands: demand.len(), services: services.len(), pairs, unchecked: false })
    }
}

impl<'a> CostMatrix<Columns<'a>> {
    /// A cost table as columns, read in place rather than copied. The pairs
    /// are checked as [`CostMatrix::new`] checks them, in the first pass an
    /// index makes over them rather than in a pass of their own (at a few ns
    /// a pair, a pass of its own costs a third of 2SFCA).
    ///
    /// # Units
    /// `cost_s` in seconds.
    pub fn from_columns(
        demands: usize,
        services: usize,
        demand_index: &'a [i64],
        service_index: &'a [i64],
        cost_s: &'a [f64],
    ) -> Result<Self> {
        if demand_index.len() != service_index.len() || demand_index.len() != cost_s.len() {
            return Err(Error::parameter("cost_s", "demand_index, service_index and cost_s must have the same length"));
        }
        let pairs = Columns { demand: demand_index, service: service_index, cost_s };
        Ok(CostMatrix { demands, services, pairs, unchecked: true })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_read_as_the_pairs_they_hold() {
        let (i, j, c) = ([0, 1, 1], [1, 0, 1], [60.0, 0.0, 120.5]);
        let matrix = CostMatrix::from_columns(2, 2, &i, &j, &c).unwrap();
        let expected: Vec<Pair> =
            (0..3).map(|k| Pair { demand: i[k] as u32, service: j[k] as u32, cost_s: c[k] }).collect();
        assert_eq!(matrix.pairs.slice(0..3).collect::<Vec<_>>(), expected);
        assert_eq!((0..3).map(|k| matrix.pairs.pair(k)).collect::<Vec<_>>(), expected);
    }

    /// A bad table's refusal: from `check`, and the same from every index
    /// that reads it (they check as they read).
    fn refusal(i: &[i64], j: &[i64], c: &[f64]) -> String {
        let matrix = match CostMatrix::from_columns(2, 3, i, j, c) {
            Ok(matrix) => matrix,
            Err(error) => return error.to_string(),
        };
        let refused = matrix.check().unwrap_err().to_string();
        let (supply, demand) = ([1.0, 2.0, 3.0], [10.0, 20.0]);
        for method in ["2sfca", "e2sfca", "3sfca", "gravity"] {
            let method = method.parse().unwrap();
            let error = super::super::accessibility(&matrix, &supply, &demand, &method, 1800.0).unwrap_err();
            assert_eq!(error.to_string(), refused, "{method:?}");
        }
        refused
    }

    #[test]
    fn the_first_bad_pair_is_refused() {
        assert!(refusal(&[0, -1], &[0, 0], &[1.0, 1.0])
            .contains("pair 1 names a demand unit or service that does not exist"));
        // 2^32 would be service 0 if cut to u32
        assert!(refusal(&[0, 0], &[0, 1 << 32], &[1.0, 1.0]).contains("pair 1 names"));
        assert!(refusal(&[0, 0], &[0, 3], &[f64::NAN, 1.0]).contains("pair 0 has cost NaN"));
        assert!(refusal(&[0, 1], &[2, 0], &[5.0, -1.0]).contains("pair 1 has cost -1"));
        assert!(refusal(&[0], &[0, 1], &[1.0]).contains("same length"));
        // across parallel chunks, the first one still
        let mut pairs = vec![Pair { demand: 0, service: 0, cost_s: 1.0 }; 5 * CHECK_CHUNK];
        pairs[4 * CHECK_CHUNK + 3].cost_s = -1.0;
        pairs[2 * CHECK_CHUNK + 1].service = 7;
        let refusal = CostMatrix::new(1, 1, pairs).unwrap_err().to_string();
        assert!(refusal.contains(&format!("pair {} names", 2 * CHECK_CHUNK + 1)), "{refusal}");
    }
}
