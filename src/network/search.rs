//! Bounded Dijkstra with reusable buffers (one per thread).

use super::graph::Graph;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

#[derive(Clone, Copy, PartialEq)]
struct Entry {
    time_s: f64,
    node: u32,
}

impl Eq for Entry {}

impl Ord for Entry {
    // Reversed: BinaryHeap pops the largest, we want the quickest.
    fn cmp(&self, other: &Self) -> Ordering {
        other.time_s.total_cmp(&self.time_s).then_with(|| other.node.cmp(&self.node))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Labels of one search; cleared in time proportional to what was touched.
#[derive(Default)]
pub struct Search {
    time_s: Vec<f64>,
    length_m: Vec<f64>,
    /// Which start each node was reached from.
    origin: Vec<u32>,
    settled: Vec<bool>,
    touched: Vec<u32>,
    heap: BinaryHeap<Entry>,
}

/// A start of a search: a node reached at a time and distance.
///
/// # Units
/// seconds and metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Start {
    pub node: u32,
    pub time_s: f64,
    pub length_m: f64,
}

impl Search {
    fn reset(&mut self, nodes: usize) {
        for &n in &self.touched {
            self.time_s[n as usize] = f64::INFINITY;
            self.settled[n as usize] = false;
        }
        self.touched.clear();
        self.heap.clear();
        if self.time_s.len() != nodes {
            self.time_s = vec![f64::INFINITY; nodes];
            self.length_m = vec![0.0; nodes];
            self.origin = vec![0; nodes];
            self.settled = vec![false; nodes];
        }
    }

    /// Runs Dijkstra from `starts` over `graph`, settling nodes in time
    /// order up to `cutoff_s` (inclusive). `visit(node, time_s, length_m)` is
    /// called once per settled node; returning `false` stops the search.
    pub fn run(
        &mut self,
        graph: &Graph,
        starts: &[Start],
        cutoff_s: f64,
        mut visit: impl FnMut(u32, f64, f64) -> bool,
    ) {
        self.reset(graph.node_count());
        for (i, s) in starts.iter().enumerate() {
            self.relax(s.node, s.time_s, s.length_m, i as u32, cutoff_s);
        }
        while let Some(Entry { time_s, node }) = self.heap.pop() {
            let n = node as usize;
            if self.settled[n] || time_s > self.time_s[n] {
                continue;
            }
            self.settled[n] = true;
            let length_m = self.length_m[n];
            if !visit(node, time_s, length_m) {
                return;
            }
            let origin = self.origin[n];
            for e in graph.edges_of(node) {
                self.relax(graph.targets[e], time_s + graph.time_s[e], length_m + graph.length_m[e], origin, cutoff_s);
            }
        }
    }

    /// The start (index into `starts`) a settled node was reached from.
    pub fn origin_of(&self, node: u32) -> usize {
        self.origin[node as usize] as usize
    }

    fn relax(&mut self, node: u32, time_s: f64, length_m: f64, origin: u32, cutoff_s: f64) {
        let n = node as usize;
        if time_s <= cutoff_s && time_s < self.time_s[n] {
            if self.time_s[n] == f64::INFINITY {
                self.touched.push(node);
            }
            self.time_s[n] = time_s;
            self.length_m[n] = length_m;
            self.origin[n] = origin;
            self.heap.push(Entry { time_s, node });
        }
    }
}

thread_local! {
    static SEARCH: RefCell<Search> = RefCell::new(Search::default());
}

/// Runs `f` with this thread's search buffers.
pub fn with_search<T>(f: impl FnOnce(&mut Search) -> T) -> T {
    SEARCH.with(|s| f(&mut s.borrow_mut()))
}

/// Time from the nearest of `starts` to every node (infinity beyond
/// `cutoff_s`), and which start that is (-1 when none): one multi-source
/// search. On the reversed graph, the time from every node to its nearest start.
pub fn times_to_all(graph: &Graph, starts: &[Start], cutoff_s: f64) -> (Vec<f64>, Vec<i64>) {
    let mut times = vec![f64::INFINITY; graph.node_count()];
    let mut nearest = vec![-1i64; graph.node_count()];
    let mut settled = Vec::new();
    with_search(|search| {
        search.run(graph, starts, cutoff_s, |node, t, _| {
            times[node as usize] = t;
            settled.push(node);
            true
        });
        for node in settled {
            nearest[node as usize] = search.origin_of(node) as i64;
        }
    });
    (times, nearest)
}
