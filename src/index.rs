//! The facility index: an R-tree of service points, bulk-loaded, with one
//! tree per category so that a category filter costs nothing at query time.
//!
//! rstar measures squared distances; this module returns plain metres.

use crate::catalogue::CategorySet;
use crate::error::{Error, Result};
use crate::progress::{for_each_chunk, par_map_chunked, Progress};
use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::RTree;

type Entry = GeomWithData<[f64; 2], u32>;

/// Queries answered in sequence by one thread, each hinting the next.
const RUN: usize = 512;

/// Queries between two progress reports: cheap queries, so many of them.
const QUERY_CHUNK: usize = 65_536;

/// Query indices sorted along a Z-order (Morton) curve over their bounding box.
fn z_order(queries: &[[f64; 2]]) -> Vec<u32> {
    let (min, max) = queries.iter().fold(([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]), |(lo, hi), q| {
        ([lo[0].min(q[0]), lo[1].min(q[1])], [hi[0].max(q[0]), hi[1].max(q[1])])
    });
    let scale = |v: f64, axis: usize| {
        let span = max[axis] - min[axis];
        if span > 0.0 && v.is_finite() {
            ((v - min[axis]) / span * 65_535.0) as u64
        } else {
            0
        }
    };
    let mut keys: Vec<(u64, u32)> = queries
        .par_iter()
        .enumerate()
        .map(|(i, q)| (spread_bits(scale(q[0], 0)) | spread_bits(scale(q[1], 1)) << 1, i as u32))
        .collect();
    keys.par_sort_unstable();
    keys.into_iter().map(|(_, i)| i).collect()
}

/// Spreads the low 16 bits of `v` to the even bits of the result.
fn spread_bits(v: u64) -> u64 {
    let mut x = v & 0xFFFF;
    x = (x | (x << 8)) & 0x00FF_00FF;
    x = (x | (x << 4)) & 0x0F0F_0F0F;
    x = (x | (x << 2)) & 0x3333_3333;
    (x | (x << 1)) & 0x5555_5555
}

/// A service found by a query.
///
/// # Units
/// `distance_m` in metres of the working CRS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    /// Position of the service in the input order.
    pub service: usize,
    pub distance_m: f64,
}

/// R-trees over service points: all services, and one per category.
pub struct FacilityIndex {
    points: Vec<[f64; 2]>,
    categories: Vec<CategorySet>,
    all: RTree<Entry>,
    by_category: Vec<RTree<Entry>>,
    /// Ids of the points, when given ([`FacilityIndex::with_keys`]).
    keys: Vec<String>,
}

impl FacilityIndex {
    /// Builds the index; `categories` is empty (no categories) or one set per point.
    ///
    /// # Units
    /// Coordinates in a metric CRS.
    pub fn new(points: Vec<[f64; 2]>, categories: Vec<CategorySet>) -> Result<Self> {
        if !categories.is_empty() && categories.len() != points.len() {
            return Err(Error::parameter(
                "categories",
                format!("{} category sets for {} points", categories.len(), points.len()),
            ));
        }
        if let Some(i) = points.iter().position(|p| !(p[0].is_finite() && p[1].is_finite())) {
            return Err(Error::parameter("points", format!("point {i} has a non-finite coordinate")));
        }
        let entries = |keep: &dyn Fn(usize) -> bool| -> RTree<Entry> {
            RTree::bulk_load(
                points.iter().enumerate().filter(|(i, _)| keep(*i)).map(|(i, p)| Entry::new(*p, i as u32)).collect(),
            )
        };
        let all = entries(&|_| true);
        let max_category = categories.iter().flat_map(|c| c.indices()).max().map_or(0, |m| m + 1);
        let by_category = (0..max_category).map(|c| entries(&|i| categories[i].contains(c))).collect();
        Ok(FacilityIndex { points, categories, all, by_category, keys: Vec::new() })
    }

    /// The index with an id per point, for cost models that name places by
    /// id (a travel-cost matrix).
    pub fn with_keys(mut self, keys: Vec<String>) -> Result<Self> {
        if keys.len() != self.points.len() {
            return Err(Error::parameter("keys", format!("{} ids for {} points", keys.len(), self.points.len())));
        }
        self.keys = keys;
        Ok(self)
    }

    /// The ids of the points, when given.
    pub fn keys(&self) -> Option<&[String]> {
        (!self.keys.is_empty() || self.points.is_empty()).then_some(self.keys.as_slice())
    }

    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    pub fn point(&self, service: usize) -> [f64; 2] {
        self.points[service]
    }

    pub fn categories_of(&self, service: usize) -> CategorySet {
        self.categories.get(service).copied().unwrap_or_default()
    }

    fn tree(&self, category: Option<usize>) -> Option<&RTree<Entry>> {
        match category {
            None => Some(&self.all),
            Some(c) => self.by_category.get(c),
        }
    }

    /// The nearest service (of a category), or `None` when there is none.
    pub fn nearest(&self, query: [f64; 2], category: Option<usize>) -> Option<Found> {
        let tree = self.tree(category)?;
        tree.nearest_neighbor(&query).map(|e| self.found(e, query))
    }

    /// Every service within `max_distance_m` (inclusive), nearest first.
    pub fn within(&self, query: [f64; 2], max_distance_m: f64, category: Option<usize>) -> Vec<Found> {
        let Some(tree) = self.tree(category) else { return Vec::new() };
        let mut found: Vec<Found> = tree
            .locate_within_distance(query, max_distance_m * max_distance_m)
            .map(|e| self.found(e, query))
            .filter(|f| f.distance_m <= max_distance_m)
            .collect();
        found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m).then(a.service.cmp(&b.service)));
        found
    }

    fn found(&self, entry: &Entry, query: [f64; 2]) -> Found {
        let p = self.points[entry.data as usize];
        Found { service: entry.data as usize, distance_m: (p[0] - query[0]).hypot(p[1] - query[1]) }
    }

    /// k-nearest for many queries in parallel: `k` columns per query, rows
    /// padded with service `-1` and distance `inf` when fewer exist.
    ///
    /// Queries run in Z-order, so neighbouring queries share tree nodes in
    /// cache, and each query's answer bounds the next one's search radius.
    pub fn k_nearest_many(
        &self,
        queries: &[[f64; 2]],
        k: usize,
        category: Option<usize>,
        progress: &dyn Progress,
    ) -> Result<(Vec<i64>, Vec<f64>)> {
        let mut services = vec![-1i64; queries.len() * k];
        let mut distances = vec![f64::INFINITY; queries.len() * k];
        let tree = match self.tree(category) {
            Some(tree) if tree.size() > 0 && k > 0 => tree,
            _ => return Ok((services, distances)),
        };
        let order = z_order(queries);
        // Gathered once in Z-order: the search loop then reads them in sequence.
        let sorted: Vec<[f64; 2]> = order.par_iter().map(|&i| queries[i as usize]).collect();
        let per_query = k.min(tree.size());
        let mut answers: Vec<Found> = Vec::with_capacity(queries.len() * per_query);
        for_each_chunk(queries.len(), QUERY_CHUNK, progress, |range| {
            let runs: Vec<Vec<Found>> =
                sorted[range].par_chunks(RUN).map(|run| self.k_nearest_run(tree, run, k)).collect();
            answers.extend(runs.into_iter().flatten());
        })?;
        // Back to input order, as a parallel gather.
        let mut rank = vec![0u32; queries.len()];
        for (position, &query) in order.iter().enumerate() {
            rank[query as usize] = position as u32;
        }
        services.par_chunks_mut(k).zip(distances.par_chunks_mut(k)).zip(&rank).for_each(|((s, d), &at)| {
            let found = &answers[at as usize * per_query..][..per_query];
            for (j, f) in found.iter().enumerate() {
                s[j] = f.service as i64;
                d[j] = f.distance_m;
            }
        });
        Ok((services, distances))
    }

    /// The `k` nearest of each query of a run, concatenated (min(k, tree
    /// size) per query). A query close to the previous one searches only the
    /// circle that holds the previous answers: if it lies within the
    /// previous k-th distance `r`, those `k` services are within `2r` of it,
    /// so the true `k` nearest are within the farthest of them.
    fn k_nearest_run(&self, tree: &RTree<Entry>, run: &[[f64; 2]], k: usize) -> Vec<Found> {
        // Squared distances inside the loop; square roots only for the answers.
        let distance_2 = |service: usize, q: [f64; 2]| {
            let p = self.points[service];
            (p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1])
        };
        let mut out: Vec<Found> = Vec::with_capacity(run.len() * k);
        let mut candidates: Vec<(f64, u32)> = Vec::new();
        let mut previous: Option<[f64; 2]> = None;
        for &query in run {
            let last = &out[out.len().saturating_sub(k)..];
            let close = previous.is_some_and(|p| {
                let step_2 = (p[0] - query[0]) * (p[0] - query[0]) + (p[1] - query[1]) * (p[1] - query[1]);
                last.len() == k && step_2 <= last[k - 1].distance_m * last[k - 1].distance_m
            });
            candidates.clear();
            if close {
                let radius_2 = last.iter().map(|f| distance_2(f.service, query)).fold(0.0, f64::max);
                candidates.extend(
                    tree.locate_within_distance(query, radius_2).map(|e| (distance_2(e.data as usize, query), e.data)),
                );
                if candidates.len() > k {
                    candidates.select_nth_unstable_by(k - 1, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                    candidates.truncate(k);
                }
                candidates.sort_unstable_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            } else if k == 1 {
                candidates.extend(tree.nearest_neighbor(&query).map(|e| (distance_2(e.data as usize, query), e.data)));
            } else {
                candidates
                    .extend(tree.nearest_neighbor_iter_with_distance_2(&query).take(k).map(|(e, d2)| (d2, e.data)));
            }
            out.extend(
                candidates.iter().map(|&(d2, service)| Found { service: service as usize, distance_m: d2.sqrt() }),
            );
            previous = Some(query);
        }
        out
    }

    /// Services within `max_distance_m` of each query, in parallel.
    pub fn within_many(
        &self,
        queries: &[[f64; 2]],
        max_distance_m: f64,
        category: Option<usize>,
        progress: &dyn Progress,
    ) -> Result<Vec<Vec<Found>>> {
        par_map_chunked(queries.len(), QUERY_CHUNK, progress, |i| self.within(queries[i], max_distance_m, category))
    }
}
