//! The facility index against brute force on random data.

#![allow(clippy::type_complexity)] // proptest strategies of tuples

use capacitymetro::{CategorySet, FacilityIndex, Silent};
use proptest::prelude::*;

fn brute_distances(
    points: &[[f64; 2]],
    sets: &[CategorySet],
    q: [f64; 2],
    category: Option<usize>,
) -> Vec<(f64, usize)> {
    let mut d: Vec<(f64, usize)> = points
        .iter()
        .enumerate()
        .filter(|(i, _)| category.is_none_or(|c| sets[*i].contains(c)))
        .map(|(i, p)| ((p[0] - q[0]).hypot(p[1] - q[1]), i))
        .collect();
    d.sort_by(|a, b| a.0.total_cmp(&b.0));
    d
}

fn data() -> impl Strategy<Value = (Vec<[f64; 2]>, Vec<CategorySet>, Vec<[f64; 2]>, Option<usize>)> {
    (1usize..200).prop_flat_map(|n| {
        (
            prop::collection::vec(prop::array::uniform2(-5_000.0f64..5_000.0), n),
            prop::collection::vec((1u32..8).prop_map(CategorySet), n),
            prop::collection::vec(prop::array::uniform2(-6_000.0f64..6_000.0), 1..40),
            prop::option::of(0usize..3),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn nearest_and_k_nearest_match_brute_force((points, sets, queries, category) in data(), k in 1usize..8) {
        let index = FacilityIndex::new(points.clone(), sets.clone()).unwrap();
        let (services, distances) = index.k_nearest_many(&queries, k, category, &Silent).unwrap();
        for (qi, q) in queries.iter().enumerate() {
            let brute = brute_distances(&points, &sets, *q, category);
            let nearest = index.nearest(*q, category);
            match brute.first() {
                Some((d, _)) => prop_assert!((nearest.unwrap().distance_m - d).abs() < 1e-9),
                None => prop_assert!(nearest.is_none()),
            }
            for j in 0..k {
                let (s, d) = (services[qi * k + j], distances[qi * k + j]);
                match brute.get(j) {
                    Some((bd, _)) => {
                        prop_assert!((d - bd).abs() < 1e-9, "rank {j}: {d} vs {bd}");
                        // the service returned is at the distance reported
                        let p = points[s as usize];
                        prop_assert!(((p[0] - q[0]).hypot(p[1] - q[1]) - d).abs() < 1e-9);
                        prop_assert!(category.is_none_or(|c| sets[s as usize].contains(c)));
                    }
                    None => prop_assert!(s == -1 && d.is_infinite()),
                }
            }
        }
    }

    #[test]
    fn within_matches_brute_force((points, sets, queries, category) in data(), radius in 0.0f64..4_000.0) {
        let index = FacilityIndex::new(points.clone(), sets.clone()).unwrap();
        for q in &queries {
            let mut got: Vec<usize> = index.within(*q, radius, category).iter().map(|f| f.service).collect();
            let mut expected: Vec<usize> =
                brute_distances(&points, &sets, *q, category).into_iter().filter(|(d, _)| *d <= radius).map(|(_, i)| i).collect();
            got.sort_unstable();
            expected.sort_unstable();
            prop_assert_eq!(got, expected);
        }
    }
}

#[test]
fn within_includes_a_service_exactly_at_the_radius() {
    let index = FacilityIndex::new(vec![[3.0, 4.0]], vec![]).unwrap();
    assert_eq!(index.within([0.0, 0.0], 5.0, None).len(), 1);
    assert!(index.within([0.0, 0.0], 4.999_999, None).is_empty());
}

#[test]
fn a_category_without_services_finds_nothing() {
    let index = FacilityIndex::new(vec![[0.0, 0.0]], vec![CategorySet::EMPTY.with(0)]).unwrap();
    assert!(index.nearest([1.0, 1.0], Some(5)).is_none());
    assert!(index.nearest([1.0, 1.0], Some(0)).is_some());
}

#[test]
fn non_finite_points_are_refused() {
    let err = FacilityIndex::new(vec![[0.0, f64::NAN]], vec![]).err().unwrap().to_string();
    assert!(err.contains("point 0"), "{err}");
}
