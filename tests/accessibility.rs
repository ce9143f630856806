//! Accessibility indices against published worked examples, the
//! conservation invariant, and a small graph worked out by hand.

use capacitymetro::accessibility::{accessibility, default_zones, CostMatrix, Decay, Method, Pair};
use capacitymetro::network::{Graph, ModeGraph, RawLink};
use capacitymetro::{FacilityIndex, Mode, NetworkCost, Silent, StraightLine};
use proptest::prelude::*;

/// The PySAL `access` hospital example: tracts 1, 2, 3 with population 100,
/// 50, 10 and doctors 15, 20, 100; costs (minutes) self 1, tract <-> city
/// (3) 40 or 20, cross-city 80 or 40; catchment 61 minutes.
fn hospital(scenario: usize) -> CostMatrix {
    let (inbound, outbound, cross) = match scenario {
        0 => (40.0, 40.0, 80.0),
        1 => (20.0, 40.0, 80.0),
        2 => (40.0, 20.0, 80.0),
        _ => (20.0, 20.0, 40.0),
    };
    let minutes = [
        (0, 0, 1.0),
        (1, 1, 1.0),
        (2, 2, 1.0),
        (0, 2, inbound),
        (1, 2, inbound),
        (2, 0, outbound),
        (2, 1, outbound),
        (0, 1, cross),
        (1, 0, cross),
    ];
    let pairs = minutes.iter().map(|&(i, j, m)| Pair { demand: i, service: j, cost_s: m * 60.0 }).collect();
    CostMatrix::new(3, 3, pairs).unwrap()
}

const POPULATION: [f64; 3] = [100.0, 50.0, 10.0];
const DOCTORS: [f64; 3] = [15.0, 20.0, 100.0];
const CATCHMENT_S: f64 = 61.0 * 60.0;

fn assert_close(got: &[f64], published: [f64; 3]) {
    for (g, p) in got.iter().zip(published) {
        assert!((g - p).abs() < 1e-6, "{got:?} vs {published:?}");
    }
}

fn run(scenario: usize, method: Method, max_cost_s: f64) -> Vec<f64> {
    accessibility(&hospital(scenario), &DOCTORS, &POPULATION, &method, max_cost_s).unwrap().access
}

#[test]
fn hospital_example_published_values() {
    let inverse = Decay::Power { exponent: -1.0, min_cost_s: 0.0 };
    // 1/d in seconds rather than minutes: the same index, as w_ij scales both steps alike.
    let gravity_2sfca = |s| run(s, Method::TwoStep { decay: inverse.clone() }, CATCHMENT_S);
    assert_close(&gravity_2sfca(0), [0.331444, 0.579828, 7.286418]);
    assert_close(&gravity_2sfca(3), [0.442568, 0.666758, 5.740525]);
    assert_close(&run(0, Method::TwoStep { decay: Decay::Uniform }, CATCHMENT_S), [0.761364, 0.958333, 1.094697]);
    assert_close(&run(3, Method::TwoStep { decay: Decay::Uniform }, CATCHMENT_S), [0.84375; 3]);
    assert_close(&run(1, Method::Enhanced { zones: default_zones() }, CATCHMENT_S), [0.757143, 1.007143, 0.892857]);
    let three = run(0, Method::ThreeStep { decay: inverse }, CATCHMENT_S);
    assert_close(&three, [0.156257, 0.406216, 9.906352]);
}

#[test]
fn cost_at_the_catchment_is_inside() {
    // one tract, one service at exactly the catchment: all its supply is reachable
    let matrix = CostMatrix::new(1, 1, vec![Pair { demand: 0, service: 0, cost_s: 600.0 }]).unwrap();
    let a = accessibility(&matrix, &[5.0], &[10.0], &Method::TwoStep { decay: Decay::Uniform }, 600.0).unwrap();
    assert_eq!(a.access, vec![0.5]);
    let a = accessibility(&matrix, &[5.0], &[10.0], &Method::TwoStep { decay: Decay::Uniform }, 599.9).unwrap();
    assert_eq!(a.access, vec![0.0]);
}

#[test]
fn bad_inputs_are_refused() {
    let matrix = hospital(0);
    let method = Method::TwoStep { decay: Decay::Uniform };
    let err = |supply: [f64; 3], demand: [f64; 3], max: f64| {
        accessibility(&matrix, &supply, &demand, &method, max).unwrap_err().to_string()
    };
    assert!(err([0.0, 1.0, 1.0], POPULATION, 60.0).contains("service 0 has capacity 0"));
    assert!(err([-1.0, 1.0, 1.0], POPULATION, 60.0).contains("service 0 has capacity -1"));
    assert!(err(DOCTORS, [0.0; 3], 60.0).contains("every population is zero"));
    assert!(err(DOCTORS, POPULATION, 0.0).contains("catchment must be a positive time"));
}

fn random_case() -> impl Strategy<Value = (CostMatrix, Vec<f64>, Vec<f64>)> {
    (1usize..30, 1usize..20).prop_flat_map(|(n, m)| {
        (
            prop::collection::vec((0..n as u32, 0..m as u32, 0.0f64..3600.0), 0..200),
            prop::collection::vec(0.5f64..100.0, m),
            prop::collection::vec(0.0f64..1000.0, n),
        )
            .prop_map(move |(pairs, supply, mut demand)| {
                demand[0] += 1.0; // not all zero
                                  // one cost per pair
                let mut seen = std::collections::HashSet::new();
                let pairs = pairs
                    .into_iter()
                    .filter(|(i, j, _)| seen.insert((*i, *j)))
                    .map(|(demand, service, cost_s)| Pair { demand, service, cost_s })
                    .collect();
                (CostMatrix::new(n, m, pairs).unwrap(), supply, demand)
            })
    })
}

proptest! {
    #[test]
    fn supply_is_conserved((matrix, supply, demand) in random_case(), which in 0usize..4) {
        let method = match which {
            0 => Method::TwoStep { decay: Decay::Uniform },
            1 => Method::Enhanced { zones: default_zones() },
            2 => Method::ThreeStep { decay: Decay::Gaussian { sigma_s: 900.0 } },
            _ => Method::Gravity { decay: Decay::Exponential { scale_s: 600.0 } },
        };
        let max = 1800.0;
        let result = accessibility(&matrix, &supply, &demand, &method, max).unwrap();
        let weighted: f64 = result.access.iter().zip(&demand).map(|(a, p)| a * p).sum();
        // supplies with demand in reach: some pair inside the catchment with positive weight and population
        let reached: f64 = (0..matrix.services)
            .filter(|&j| result.ratio[j] > 0.0)
            .map(|j| supply[j])
            .sum();
        prop_assert!((weighted - reached).abs() <= 1e-9 * reached.max(1.0), "{weighted} vs {reached}");
    }
}

/// A line A - B - C, 100 m apart; services at A (capacity 10) and C (20);
/// demand at A (100 people), B (50), C (50).
#[test]
fn two_sfca_on_a_small_graph_by_hand_with_both_cost_models() {
    let points = vec![[0.0, 0.0], [100.0, 0.0], [200.0, 0.0]];
    let services = FacilityIndex::new(vec![points[0], points[2]], vec![]).unwrap();
    let supply = [10.0, 20.0];
    let demand = [100.0, 50.0, 50.0];
    // Straight line, 1 m/s, no detour: A-B 100 s, A-C 200 s; catchment 150 s.
    let straight = StraightLine { mode: Mode::Walk, speed_m_s: 1.0, detour_factor: 1.0 };
    // Network at 1 m/s for the same line (walkers on the network, 0 m off it).
    let link = |a: u32, b: u32| RawLink {
        from: a,
        to: b,
        geometry: vec![points[a as usize], points[b as usize]],
        forward_s: Some(100.0),
        backward_s: Some(100.0),
    };
    let (graph, _) = Graph::from_links(points.clone(), vec![link(0, 1), link(1, 2)]);
    let mode_graph = ModeGraph::new(Mode::Walk, graph, Default::default());
    let network = NetworkCost::new(&mode_graph);
    // By hand: R_A = 10 / (100 + 50) = 1/15; R_C = 20 / (50 + 50) = 1/5;
    // A_A = 1/15, A_B = 1/15 + 1/5 = 4/15, A_C = 1/5.
    let expected = [1.0 / 15.0, 4.0 / 15.0, 1.0 / 5.0];
    for model in [&straight as &dyn capacitymetro::CostModel, &network] {
        let matrix = CostMatrix::from_model(&points, &services, model, None, 150.0, &Silent).unwrap();
        let a = accessibility(&matrix, &supply, &demand, &Method::TwoStep { decay: Decay::Uniform }, 150.0).unwrap();
        for (g, e) in a.access.iter().zip(expected) {
            assert!((g - e).abs() < 1e-12, "{:?}", a.access);
        }
    }
}
