//! The network cost model on a square worked out by hand.

use capacitymetro::network::{Graph, Islands, ModeGraph, RawLink};
use capacitymetro::{CostModel, FacilityIndex, Mode, NetworkCost};

/// A(0,0) - B(100,0) - C(100,100) - D(0,100), 10 m/s; B -> C is one-way.
fn square() -> ModeGraph {
    let xy = vec![[0.0, 0.0], [100.0, 0.0], [100.0, 100.0], [0.0, 100.0]];
    let link = |a: u32, b: u32, both: bool| RawLink {
        from: a,
        to: b,
        geometry: vec![xy[a as usize], xy[b as usize]],
        forward_s: Some(10.0),
        backward_s: both.then_some(10.0),
    };
    let links = vec![link(0, 1, true), link(1, 2, false), link(2, 3, true), link(3, 0, true)];
    let (graph, islands) = Graph::from_links(xy.clone(), links);
    assert_eq!(islands, Islands::default());
    ModeGraph::new(Mode::Car, graph, islands)
}

#[test]
fn one_way_and_off_network_legs_by_hand() {
    let graph = square();
    let model = NetworkCost::new(&graph);
    // Service at C; origin 10 m below the middle of A-B (walks 10 m at 1.25 m/s = 8 s).
    let services = FacilityIndex::new(vec![[100.0, 100.0]], vec![]).unwrap();
    let costs = model.bind(&services).unwrap();
    let reach = costs.nearest([50.0, -10.0], None).unwrap();
    // 8 s walk + 5 s to B + 10 s B -> C; 10 + 50 + 100 m.
    assert!((reach.time_s - 23.0).abs() < 1e-9, "{reach:?}");
    assert!((reach.distance_m - 160.0).abs() < 1e-9, "{reach:?}");
    assert_eq!(costs.within([50.0, -10.0], None, 23.0).len(), 1);
    assert!(costs.within([50.0, -10.0], None, 22.999).is_empty());

    // The other way round C -> B is forbidden: C -> D -> A, then 5 s along A-B and the 8 s walk.
    let back = FacilityIndex::new(vec![[50.0, -10.0]], vec![]).unwrap();
    let reach = model.bind(&back).unwrap().nearest([100.0, 100.0], None).unwrap();
    assert!((reach.time_s - 33.0).abs() < 1e-9, "{reach:?}");
}

#[test]
fn points_beyond_the_snap_distance_are_unreachable_not_snapped() {
    let graph = square();
    let mut model = NetworkCost::new(&graph);
    model.max_snap_m = 50.0;
    let services = FacilityIndex::new(vec![[100.0, 100.0], [500.0, 500.0]], vec![]).unwrap();
    let costs = model.bind(&services).unwrap();
    assert_eq!(costs.unreachable_services(), vec![1]);
    assert!(costs.nearest([50.0, -60.0], None).is_none());
    assert!(costs.nearest([50.0, -50.0], None).is_some());
}

#[test]
fn same_link_travel_goes_straight_along_it() {
    let graph = square();
    let model = NetworkCost::new(&graph);
    // Both on A-B, 20 m apart, both on the line: 2 s at 10 m/s.
    let services = FacilityIndex::new(vec![[70.0, 0.0]], vec![]).unwrap();
    let reach = model.bind(&services).unwrap().nearest([50.0, 0.0], None).unwrap();
    assert!((reach.time_s - 2.0).abs() < 1e-9, "{reach:?}");
}
