//! Joining points to the network: the nearest point of the nearest link.

use super::graph::Graph;
use super::search::Start;
use rstar::primitives::{GeomWithData, Line};
use rstar::{PointDistance, RTree};

type Segment = GeomWithData<Line<[f64; 2]>, (u32, u32)>;

/// Where a point joins a link.
///
/// # Units
/// `distance_m` (the off-network leg) and `along_m` in metres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    pub link: u32,
    /// Position along the link from its `from` node, as a fraction of its length.
    pub fraction: f64,
    pub distance_m: f64,
    pub point: [f64; 2],
}

/// An R-tree of link segments.
#[derive(Debug, Clone)]
pub struct Snapper {
    tree: RTree<Segment>,
    /// Cumulative length at each vertex, per link.
    along_m: Vec<Vec<f64>>,
}

impl Snapper {
    pub fn new(graph: &Graph) -> Self {
        let mut segments = Vec::new();
        let mut along_m = Vec::with_capacity(graph.links.len());
        for (l, link) in graph.links.iter().enumerate() {
            let mut cumulative = vec![0.0];
            for (s, w) in link.geometry.windows(2).enumerate() {
                segments.push(Segment::new(Line::new(w[0], w[1]), (l as u32, s as u32)));
                cumulative.push(cumulative[s] + (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]));
            }
            along_m.push(cumulative);
        }
        Snapper { tree: RTree::bulk_load(segments), along_m }
    }

    /// The nearest point of the network, if within `max_snap_m` (inclusive).
    pub fn snap(&self, point: [f64; 2], max_snap_m: f64) -> Option<Snap> {
        let segment = self.tree.nearest_neighbor(&point)?;
        let distance_m = segment.geom().distance_2(&point).sqrt();
        if distance_m > max_snap_m {
            return None;
        }
        let (link, s) = segment.data;
        let on = segment.geom().nearest_point(&point);
        let from = segment.geom().from;
        let along = &self.along_m[link as usize];
        let total = *along.last().unwrap_or(&0.0);
        let position = along[s as usize] + (on[0] - from[0]).hypot(on[1] - from[1]);
        // Within a micrometre of an end is on that end's node.
        let fraction = match position {
            _ if total <= 0.0 || position <= 1e-6 => 0.0,
            _ if position >= total - 1e-6 => 1.0,
            _ => position / total,
        };
        Some(Snap { link, fraction, distance_m, point: on })
    }
}

/// How a snapped point departs into the graph and how it is arrived at.
///
/// # Units
/// seconds and metres; the off-network leg at `walk_m_s` is included.
pub struct Anchor {
    pub snap: Snap,
    /// Nodes reachable from the point, with the time and length to reach them.
    pub departures: Vec<Start>,
    /// Nodes from which the point is reachable, with the time and length from them.
    pub arrivals: Vec<Start>,
}

impl Anchor {
    pub fn new(graph: &Graph, snap: Snap, walk_m_s: f64) -> Self {
        let link = &graph.links[snap.link as usize];
        let leg_s = snap.distance_m / walk_m_s;
        let f = snap.fraction;
        let part = |edge: Option<u32>, share: f64, node: u32| {
            edge.map(|e| Start {
                node,
                time_s: leg_s + share * graph.time_s[e as usize],
                length_m: snap.distance_m + share * graph.length_m[e as usize],
            })
        };
        // A point on a node departs from and arrives at that node directly,
        // whichever directions the link allows.
        let at_node = |node: u32, here: bool| here.then_some(Start { node, time_s: leg_s, length_m: snap.distance_m });
        let (at_from, at_to) = (at_node(link.from, f <= 1e-12), at_node(link.to, f >= 1.0 - 1e-12));
        let departures = [part(link.forward, 1.0 - f, link.to), part(link.backward, f, link.from), at_from, at_to];
        let arrivals = [part(link.forward, f, link.from), part(link.backward, 1.0 - f, link.to), at_from, at_to];
        Anchor {
            snap,
            departures: departures.into_iter().flatten().collect(),
            arrivals: arrivals.into_iter().flatten().collect(),
        }
    }

    /// Time and length straight along the shared link, when `other` lies on
    /// the same link in a direction that may be travelled.
    pub fn direct_to(&self, graph: &Graph, other: &Anchor, walk_m_s: f64) -> Option<(f64, f64)> {
        if self.snap.link != other.snap.link {
            return None;
        }
        let link = &graph.links[self.snap.link as usize];
        let delta = other.snap.fraction - self.snap.fraction;
        let edge = if delta >= 0.0 { link.forward } else { link.backward }?;
        let legs_m = self.snap.distance_m + other.snap.distance_m;
        Some((
            legs_m / walk_m_s + delta.abs() * graph.time_s[edge as usize],
            legs_m + delta.abs() * graph.length_m[edge as usize],
        ))
    }
}
