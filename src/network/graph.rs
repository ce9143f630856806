//! A directed graph in compressed sparse row form, with the street links
//! (undirected geometry) that points snap to.

use serde::{Deserialize, Serialize};

/// A street segment between two graph nodes, walkable in one or both
/// directions. Its geometry runs from `from` to `to`.
///
/// # Units
/// `length_m` in metres; geometry in the working CRS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub from: u32,
    pub to: u32,
    /// Edge index of `from -> to`, if allowed.
    pub forward: Option<u32>,
    /// Edge index of `to -> from`, if allowed.
    pub backward: Option<u32>,
    pub geometry: Vec<[f64; 2]>,
    pub length_m: f64,
}

/// A directed graph: nodes with coordinates and edges with travel time and length.
///
/// # Units
/// `time_s` in seconds, `length_m` in metres, `xy` in the working CRS.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Graph {
    pub xy: Vec<[f64; 2]>,
    /// Edges of node `n` are `offsets[n]..offsets[n + 1]`.
    pub offsets: Vec<u32>,
    pub targets: Vec<u32>,
    pub time_s: Vec<f64>,
    pub length_m: Vec<f64>,
    pub links: Vec<Link>,
}

/// An edge before the graph is laid out.
#[derive(Debug, Clone, Copy)]
pub struct RawEdge {
    pub from: u32,
    pub to: u32,
    pub time_s: f64,
    pub length_m: f64,
}

/// A link before the graph is laid out: geometry and the times of its two directions.
#[derive(Debug, Clone)]
pub struct RawLink {
    pub from: u32,
    pub to: u32,
    pub geometry: Vec<[f64; 2]>,
    pub forward_s: Option<f64>,
    pub backward_s: Option<f64>,
}

/// What keeping the largest strongly connected component dropped.
///
/// # Units
/// `length_m` in metres.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Islands {
    /// Components dropped.
    pub count: usize,
    pub nodes: usize,
    /// Length of the links dropped.
    pub length_m: f64,
}

fn polyline_length(points: &[[f64; 2]]) -> f64 {
    points.windows(2).map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1])).sum()
}

impl Graph {
    pub fn node_count(&self) -> usize {
        self.xy.len()
    }

    pub fn edge_count(&self) -> usize {
        self.targets.len()
    }

    /// Edge indices leaving `node`.
    pub fn edges_of(&self, node: u32) -> std::ops::Range<usize> {
        self.offsets[node as usize] as usize..self.offsets[node as usize + 1] as usize
    }

    /// The source node of every edge, in edge order.
    pub fn edge_sources(&self) -> Vec<u32> {
        (0..self.node_count() as u32).flat_map(|n| self.edges_of(n).map(move |_| n)).collect()
    }

    /// Lays out a graph from links, keeping only the largest strongly
    /// connected component; returns it with what was dropped.
    pub fn from_links(xy: Vec<[f64; 2]>, links: Vec<RawLink>) -> (Graph, Islands) {
        let full = Graph::layout(xy, links.clone());
        // Nodes no link uses (another mode's) are neither kept nor islands.
        let mut used = vec![false; full.node_count()];
        for link in &links {
            used[link.from as usize] = true;
            used[link.to as usize] = true;
        }
        let (component, count) = full.components();
        let mut sizes = vec![0usize; count];
        for (n, c) in component.iter().enumerate() {
            if used[n] {
                sizes[*c as usize] += 1;
            }
        }
        let largest = (0..count).max_by_key(|c| (sizes[*c], std::cmp::Reverse(*c))).unwrap_or(0) as u32;
        let component: Vec<bool> = component.iter().zip(&used).map(|(c, u)| *u && *c == largest).collect();
        let kept_nodes = component.iter().filter(|k| **k).count();
        let mut islands = Islands {
            count: sizes.iter().filter(|s| **s > 0).count().saturating_sub(1),
            nodes: used.iter().filter(|u| **u).count() - kept_nodes,
            length_m: 0.0,
        };
        let mut renumber = vec![u32::MAX; full.node_count()];
        let mut kept_xy = Vec::with_capacity(kept_nodes);
        for (n, keep) in component.iter().enumerate() {
            if *keep {
                renumber[n] = kept_xy.len() as u32;
                kept_xy.push(full.xy[n]);
            }
        }
        let mut kept_links = Vec::with_capacity(links.len());
        for link in links {
            let (a, b) = (renumber[link.from as usize], renumber[link.to as usize]);
            if a == u32::MAX || b == u32::MAX {
                islands.length_m += polyline_length(&link.geometry);
            } else {
                kept_links.push(RawLink { from: a, to: b, ..link });
            }
        }
        (Graph::layout(kept_xy, kept_links), islands)
    }

    /// CSR layout of links, without pruning.
    fn layout(xy: Vec<[f64; 2]>, links: Vec<RawLink>) -> Graph {
        let n = xy.len();
        let mut edges: Vec<(RawEdge, usize, bool)> = Vec::with_capacity(links.len() * 2);
        let mut graph_links = Vec::with_capacity(links.len());
        for (i, link) in links.into_iter().enumerate() {
            let length_m = polyline_length(&link.geometry);
            if let Some(t) = link.forward_s {
                edges.push((RawEdge { from: link.from, to: link.to, time_s: t, length_m }, i, true));
            }
            if let Some(t) = link.backward_s {
                edges.push((RawEdge { from: link.to, to: link.from, time_s: t, length_m }, i, false));
            }
            graph_links.push(Link {
                from: link.from,
                to: link.to,
                forward: None,
                backward: None,
                geometry: link.geometry,
                length_m,
            });
        }
        edges.sort_by_key(|(e, _, _)| (e.from, e.to));
        let mut offsets = vec![0u32; n + 1];
        for (e, _, _) in &edges {
            offsets[e.from as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut graph = Graph { xy, offsets, links: graph_links, ..Default::default() };
        for (index, (e, link, forward)) in edges.into_iter().enumerate() {
            graph.targets.push(e.to);
            graph.time_s.push(e.time_s);
            graph.length_m.push(e.length_m);
            let slot = if forward { &mut graph.links[link].forward } else { &mut graph.links[link].backward };
            *slot = Some(index as u32);
        }
        graph
    }

    /// The same graph with every edge reversed (links are not carried over).
    pub fn reversed(&self) -> Graph {
        let sources = self.edge_sources();
        let links = Vec::new();
        let mut order: Vec<usize> = (0..self.edge_count()).collect();
        order.sort_by_key(|&e| (self.targets[e], sources[e]));
        let mut offsets = vec![0u32; self.node_count() + 1];
        for &t in &self.targets {
            offsets[t as usize + 1] += 1;
        }
        for i in 0..self.node_count() {
            offsets[i + 1] += offsets[i];
        }
        Graph {
            xy: self.xy.clone(),
            offsets,
            targets: order.iter().map(|&e| sources[e]).collect(),
            time_s: order.iter().map(|&e| self.time_s[e]).collect(),
            length_m: order.iter().map(|&e| self.length_m[e]).collect(),
            links,
        }
    }

    /// Strongly connected component of every node (Tarjan, iterative).
    fn components(&self) -> (Vec<u32>, usize) {
        let n = self.node_count();
        let mut index = vec![u32::MAX; n];
        let mut low = vec![0u32; n];
        let mut on_stack = vec![false; n];
        let mut component = vec![u32::MAX; n];
        let mut stack = Vec::new();
        let mut calls: Vec<(u32, usize)> = Vec::new();
        let (mut next_index, mut count) = (0u32, 0usize);
        for root in 0..n as u32 {
            if index[root as usize] != u32::MAX {
                continue;
            }
            calls.push((root, self.offsets[root as usize] as usize));
            index[root as usize] = next_index;
            low[root as usize] = next_index;
            next_index += 1;
            stack.push(root);
            on_stack[root as usize] = true;
            while let Some(&mut (v, ref mut edge)) = calls.last_mut() {
                let end = self.offsets[v as usize + 1] as usize;
                if *edge < end {
                    let w = self.targets[*edge];
                    *edge += 1;
                    if index[w as usize] == u32::MAX {
                        index[w as usize] = next_index;
                        low[w as usize] = next_index;
                        next_index += 1;
                        stack.push(w);
                        on_stack[w as usize] = true;
                        calls.push((w, self.offsets[w as usize] as usize));
                    } else if on_stack[w as usize] {
                        low[v as usize] = low[v as usize].min(index[w as usize]);
                    }
                } else {
                    calls.pop();
                    if let Some(&(parent, _)) = calls.last() {
                        low[parent as usize] = low[parent as usize].min(low[v as usize]);
                    }
                    if low[v as usize] == index[v as usize] {
                        while let Some(w) = stack.pop() {
                            on_stack[w as usize] = false;
                            component[w as usize] = count as u32;
                            if w == v {
                                break;
                            }
                        }
                        count += 1;
                    }
                }
            }
        }
        (component, count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(from: u32, to: u32, xy: &[[f64; 2]], forward: bool, backward: bool) -> RawLink {
        RawLink {
            from,
            to,
            geometry: vec![xy[from as usize], xy[to as usize]],
            forward_s: forward.then_some(1.0),
            backward_s: backward.then_some(1.0),
        }
    }

    #[test]
    fn largest_strongly_connected_component_is_kept() {
        // 0 <-> 1 <-> 2 is strongly connected; 2 -> 3 is a one-way dead end;
        // 4 <-> 5 is an island 100 m long.
        let xy = vec![[0.0, 0.0], [10.0, 0.0], [20.0, 0.0], [30.0, 0.0], [0.0, 500.0], [100.0, 500.0]];
        let links = vec![
            link(0, 1, &xy, true, true),
            link(1, 2, &xy, true, true),
            link(2, 3, &xy, true, false),
            link(4, 5, &xy, true, true),
        ];
        let (graph, islands) = Graph::from_links(xy, links);
        assert_eq!(graph.node_count(), 3);
        assert_eq!(graph.edge_count(), 4);
        assert_eq!(islands, Islands { count: 2, nodes: 3, length_m: 110.0 });
        assert_eq!(graph.links.len(), 2);
    }

    #[test]
    fn reversed_graph_swaps_every_edge() {
        let xy = vec![[0.0, 0.0], [10.0, 0.0], [20.0, 0.0]];
        let (graph, _) = Graph::from_links(xy.clone(), vec![link(0, 1, &xy, true, true), link(1, 2, &xy, true, true)]);
        let reversed = graph.reversed();
        let mut a: Vec<(u32, u32)> = graph.edge_sources().into_iter().zip(graph.targets.clone()).collect();
        let mut b: Vec<(u32, u32)> = reversed.targets.iter().copied().zip(reversed.edge_sources()).collect();
        a.sort_unstable();
        b.sort_unstable();
        assert_eq!(a, b);
    }
}
