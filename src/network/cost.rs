//! The network cost model: bounded Dijkstra from each origin, with the
//! off-network legs walked at walking speed.

use super::graph::Graph;
use super::search::with_search;
use super::snap::{Anchor, Snapper};
use super::ModeGraph;
use crate::cost::{CostModel, Mode, Reach, ServiceCosts};
use crate::error::Result;
use crate::index::FacilityIndex;

/// Travel times on a network graph.
///
/// # Units
/// `max_snap_m` in metres, `walk_m_s` in metres per second.
pub struct NetworkCost<'n> {
    pub graph: &'n Graph,
    /// The mode's graph, whose reversed graph is cached.
    pub mode_graph: &'n ModeGraph,
    pub mode: Mode,
    pub snapper: &'n Snapper,
    /// A point farther than this from the network is unreachable.
    pub max_snap_m: f64,
    /// Speed of the off-network legs.
    pub walk_m_s: f64,
}

impl<'n> NetworkCost<'n> {
    /// Defaults: points join the network within 500 m, walking at 1.25 m/s.
    pub fn new(graph: &'n ModeGraph) -> Self {
        NetworkCost {
            graph: &graph.graph,
            mode_graph: graph,
            mode: graph.mode,
            snapper: graph.snapper(),
            max_snap_m: 500.0,
            walk_m_s: 1.25,
        }
    }

    /// How a point joins the network, or `None` beyond `max_snap_m`.
    pub fn anchor(&self, point: [f64; 2]) -> Option<Anchor> {
        self.snapper.snap(point, self.max_snap_m).map(|snap| Anchor::new(self.graph, snap, self.walk_m_s))
    }
}

impl CostModel for NetworkCost<'_> {
    fn mode(&self) -> Mode {
        self.mode
    }

    fn bind<'a>(&'a self, services: &'a FacilityIndex) -> Result<Box<dyn ServiceCosts + 'a>> {
        let anchors: Vec<Option<Anchor>> = (0..services.len()).map(|s| self.anchor(services.point(s))).collect();
        // Per node, the services arrived at from it: (service, extra seconds, extra metres).
        let mut at_node: Vec<Vec<(u32, f64, f64)>> = vec![Vec::new(); self.graph.node_count()];
        let mut on_link: std::collections::HashMap<u32, Vec<u32>> = std::collections::HashMap::new();
        for (s, anchor) in anchors.iter().enumerate() {
            if let Some(a) = anchor {
                for arrival in &a.arrivals {
                    at_node[arrival.node as usize].push((s as u32, arrival.time_s, arrival.length_m));
                }
                on_link.entry(a.snap.link).or_default().push(s as u32);
            }
        }
        Ok(Box::new(BoundNetwork { model: self, services, anchors, at_node, on_link }))
    }
}

struct BoundNetwork<'a> {
    model: &'a NetworkCost<'a>,
    services: &'a FacilityIndex,
    anchors: Vec<Option<Anchor>>,
    at_node: Vec<Vec<(u32, f64, f64)>>,
    on_link: std::collections::HashMap<u32, Vec<u32>>,
}

impl BoundNetwork<'_> {
    /// Services of `category` reached from `origin` within `cutoff_s`, each
    /// at its quickest; with `stop_at_first`, only until no quicker one can come.
    fn search(&self, origin: [f64; 2], category: Option<usize>, cutoff_s: f64, stop_at_first: bool) -> Vec<Reach> {
        let Some(start) = self.model.anchor(origin) else { return Vec::new() };
        let wanted = |s: u32| category.is_none_or(|c| self.services.categories_of(s as usize).contains(c));
        let mut best: std::collections::HashMap<u32, Reach> = std::collections::HashMap::new();
        let mut offer = |service: u32, time_s: f64, distance_m: f64| {
            if time_s <= cutoff_s && wanted(service) {
                let entry = best.entry(service).or_insert(Reach { service: service as usize, distance_m, time_s });
                if time_s < entry.time_s {
                    *entry = Reach { service: service as usize, distance_m, time_s };
                }
            }
        };
        for &s in self.on_link.get(&start.snap.link).into_iter().flatten() {
            let target = self.anchors[s as usize].as_ref().expect("services on a link are anchored");
            if let Some((t, d)) = start.direct_to(self.model.graph, target, self.model.walk_m_s) {
                offer(s, t, d);
            }
        }
        let mut quickest = f64::INFINITY;
        with_search(|search| {
            search.run(self.model.graph, &start.departures, cutoff_s, |node, time_s, length_m| {
                if stop_at_first && time_s > quickest {
                    return false;
                }
                for &(s, extra_s, extra_m) in &self.at_node[node as usize] {
                    if wanted(s) {
                        quickest = quickest.min(time_s + extra_s);
                    }
                    offer(s, time_s + extra_s, length_m + extra_m);
                }
                true
            })
        });
        let mut found: Vec<Reach> = best.into_values().collect();
        found.sort_by(|a, b| a.time_s.total_cmp(&b.time_s).then(a.service.cmp(&b.service)));
        found
    }
}

impl ServiceCosts for BoundNetwork<'_> {
    fn nearest(&self, origin: [f64; 2], category: Option<usize>) -> Option<Reach> {
        self.search(origin, category, f64::INFINITY, true).into_iter().next()
    }

    fn within(&self, origin: [f64; 2], category: Option<usize>, cutoff_s: f64) -> Vec<Reach> {
        self.search(origin, category, cutoff_s, false)
    }

    fn unreachable_services(&self) -> Vec<usize> {
        self.anchors.iter().enumerate().filter(|(_, a)| a.is_none()).map(|(s, _)| s).collect()
    }
}
