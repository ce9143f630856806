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
        Ok(FacilityIndex { points, categories, all, by_category })
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

    /// Number of services of a category (all services when `None`).
    pub fn count(&self, category: Option<usize>) -> usize {
        self.tree(category).map_or(0, RTree::size)
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

    /// Up to `k` nearest services, nearest first.
    pub fn k_nearest(&self, query: [f64; 2], k: usize, category: Option<usize>) -> Vec<Found> {
        match self.tree(category) {
            Some(tree) => tree
                .nearest_neighbor_iter_with_distance_2(&query)
                .take(k)
                .map(|(e, d2)| Found { service: e.data as usize, distance_m: d2.sqrt() })
                .collect(),
            None => Vec::new(),
        }
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
    pub fn k_nearest_many(
        &self,
        queries: &[[f64; 2]],
        k: usize,
        category: Option<usize>,
        progress: &dyn Progress,
    ) -> Result<(Vec<i64>, Vec<f64>)> {
        let mut services = vec![-1i64; queries.len() * k];
        let mut distances = vec![f64::INFINITY; queries.len() * k];
        if k == 0 {
            return Ok((services, distances));
        }
        for_each_chunk(queries.len(), progress, |range| {
            let rows = range.start * k..range.end * k;
            services[rows.clone()]
                .par_chunks_mut(k)
                .zip(distances[rows].par_chunks_mut(k))
                .zip(&queries[range])
                .for_each(|((row_services, row_distances), query)| {
                    if k == 1 {
                        if let Some(f) = self.nearest(*query, category) {
                            row_services[0] = f.service as i64;
                            row_distances[0] = f.distance_m;
                        }
                        return;
                    }
                    let tree = self.tree(category).into_iter();
                    let nearest = tree.flat_map(|t| t.nearest_neighbor_iter_with_distance_2(query)).take(k);
                    for (j, (entry, distance_2)) in nearest.enumerate() {
                        row_services[j] = entry.data as i64;
                        row_distances[j] = distance_2.sqrt();
                    }
                });
        })?;
        Ok((services, distances))
    }

    /// Services within `max_distance_m` of each query, in parallel.
    pub fn within_many(
        &self,
        queries: &[[f64; 2]],
        max_distance_m: f64,
        category: Option<usize>,
        progress: &dyn Progress,
    ) -> Result<Vec<Vec<Found>>> {
        par_map_chunked(queries.len(), progress, |i| self.within(queries[i], max_distance_m, category))
    }
}
