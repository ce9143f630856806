//! Exact location models against exhaustive search on random small instances.
//!
//! The oracle enumerates every set of sites and, for the capacitated
//! p-median, every assignment of units to them.

mod common;

use capacitymetro::location::{solve, Instance, LocationModel, LocationOptions, Method};
use common::Rng;

/// A random instance; `small` for the capacitated oracle, which tries every assignment.
fn instance(seed: u64, small: bool) -> (Instance, LocationOptions) {
    let mut rng = Rng::seeded(seed);
    let units = if small { 4 + rng.below(5) as usize } else { 5 + rng.below(14) as usize };
    let candidates = 3 + rng.below(6) as usize; // at most 8
    let existing = rng.below(3) as usize;
    let weights = (0..units).map(|_| (1 + rng.below(500)) as f64).collect();
    let pairs = (0..units)
        .map(|_| {
            let mut list = Vec::new();
            for f in 0..(candidates + existing) as u32 {
                if rng.below(10) < 6 {
                    list.push((f, (rng.below(60) * 60) as f64));
                }
            }
            list
        })
        .collect();
    let capacity = Some((0..candidates + existing).map(|_| (100 + rng.below(1200)) as f64).collect());
    let options = LocationOptions {
        new_sites: 1 + rng.below(3.min(candidates as u64)) as usize,
        cutoff_s: 1200.0,
        unreached_cost_s: 3600.0,
        ..LocationOptions::default()
    };
    (Instance { weights, candidates, existing, pairs, capacity }, options)
}

fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
    fn go(n: usize, k: usize, start: usize, chosen: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if chosen.len() == k {
            out.push(chosen.clone());
            return;
        }
        for c in start..n {
            chosen.push(c);
            go(n, k, c + 1, chosen, out);
            chosen.pop();
        }
    }
    let mut out = Vec::new();
    go(n, k, 0, &mut Vec::new(), &mut out);
    out
}

/// Minimum cost of serving each unit whole by one open facility within its
/// capacity, or not at all at the unreached cost: every assignment tried.
fn capacitated_cost(instance: &Instance, options: &LocationOptions, sites: &[usize]) -> f64 {
    fn go(instance: &Instance, options: &LocationOptions, sites: &[usize], i: usize, left: &mut [f64]) -> f64 {
        if i == instance.weights.len() {
            return 0.0;
        }
        let w = instance.weights[i];
        let mut best = w * options.unreached_cost_s + go(instance, options, sites, i + 1, left);
        for &(f, c) in &instance.pairs[i] {
            let f = f as usize;
            if (f >= instance.candidates || sites.contains(&f)) && left[f] >= w {
                left[f] -= w;
                best = best.min(w * c + go(instance, options, sites, i + 1, left));
                left[f] += w;
            }
        }
        best
    }
    let mut left = instance.capacity.clone().unwrap();
    go(instance, options, sites, 0, &mut left)
}

/// The best objective over every set of sites of the size the model takes.
fn brute_force(instance: &Instance, options: &LocationOptions) -> f64 {
    let value = |sites: &[usize]| match options.model {
        LocationModel::CapacitatedPMedian => capacitated_cost(instance, options, sites),
        _ => instance.objective(options, sites),
    };
    if options.model == LocationModel::Lscp {
        // the fewest sites that cover what all candidates together cover
        let all: Vec<usize> = (0..instance.candidates).collect();
        let reach = |sites: &[usize]| {
            let o = LocationOptions { model: LocationModel::Mclp, ..*options };
            instance.objective(&o, sites)
        };
        let target = reach(&all);
        return (0..=instance.candidates)
            .find(|&k| subsets(instance.candidates, k).iter().any(|s| reach(s) >= target - 1e-9))
            .unwrap() as f64;
    }
    let values = subsets(instance.candidates, options.new_sites).into_iter().map(|s| value(&s));
    if options.model.maximises() {
        values.fold(f64::NEG_INFINITY, f64::max)
    } else {
        values.fold(f64::INFINITY, f64::min)
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Every seed solved twice: by HiGHS (enumeration off) and as the default
/// does (small MCLP and p-median problems by complete enumeration).
fn check_model(model: LocationModel, seeds: u64) {
    let mut heuristic_optimal = 0;
    for (seed, enumeration_limit) in
        (0..seeds).flat_map(|seed| [(seed, 0), (seed, LocationOptions::default().enumeration_limit)])
    {
        let (instance, options) = instance(seed, model == LocationModel::CapacitatedPMedian);
        let options = LocationOptions { model, enumeration_limit, ..options };
        let solution = solve(&instance, &options).unwrap();
        let best = brute_force(&instance, &options);
        assert!(solution.proven_optimal, "{model:?} seed {seed}: not proven optimal");
        assert_eq!(solution.method, Method::Exact);
        // small MCLP and p-median problems take the enumeration unless it is off
        let enumerable = matches!(model, LocationModel::Mclp | LocationModel::PMedian) && enumeration_limit > 0;
        assert_eq!(solution.enumerated, enumerable, "{model:?} seed {seed}: enumerated");
        assert!(close(solution.objective, best), "{model:?} seed {seed}: {} vs brute force {best}", solution.objective);
        if model != LocationModel::Lscp {
            assert_eq!(solution.sites.len(), options.new_sites, "{model:?} seed {seed}");
        }
        // the reported value is the value of the reported sites
        let own = match model {
            LocationModel::CapacitatedPMedian => capacitated_cost(&instance, &options, &solution.sites),
            LocationModel::Lscp => solution.sites.len() as f64,
            _ => instance.objective(&options, &solution.sites),
        };
        assert!(close(own, solution.objective), "{model:?} seed {seed}: sites worth {own}");
        // the heuristic is never better than the optimum
        let h = solution.heuristic_objective;
        let better = if model.maximises() { h > best + 1e-6 } else { h < best - 1e-6 };
        assert!(!better, "{model:?} seed {seed}: heuristic {h} beats the optimum {best}");
        heuristic_optimal += usize::from(close(h, best));
    }
    println!("{model:?}: heuristic optimal in {} of {seeds} seeds", heuristic_optimal / 2);
}

#[test]
fn mclp_matches_brute_force() {
    check_model(LocationModel::Mclp, 300);
}

#[test]
fn lscp_matches_brute_force() {
    check_model(LocationModel::Lscp, 300);
}

#[test]
fn p_median_matches_brute_force() {
    check_model(LocationModel::PMedian, 300);
}

#[test]
fn capacitated_p_median_matches_brute_force() {
    check_model(LocationModel::CapacitatedPMedian, 200);
}

#[test]
fn the_heuristic_alone_is_reported_as_such() {
    let (instance, options) = instance(7, false);
    let options = LocationOptions { model: LocationModel::PMedian, exact: false, ..options };
    let solution = solve(&instance, &options).unwrap();
    assert_eq!(solution.method, Method::Heuristic);
    assert!(!solution.proven_optimal);
    assert_eq!(solution.sites.len(), options.new_sites);
    assert!(close(solution.objective, instance.objective(&options, &solution.sites)));
}

#[test]
fn bad_problems_are_refused_with_the_parameter_named() {
    let (instance, options) = instance(3, false);
    let too_many = LocationOptions { new_sites: instance.candidates + 1, ..options };
    assert!(solve(&instance, &too_many).unwrap_err().to_string().contains("new_sites"));
    let mut negative = instance.clone();
    negative.pairs[0].push((0, -5.0));
    assert!(solve(&negative, &options).unwrap_err().to_string().contains("pairs"));
    let no_capacity = Instance { capacity: None, ..instance.clone() };
    let capacitated = LocationOptions { model: LocationModel::CapacitatedPMedian, ..options };
    assert!(solve(&no_capacity, &capacitated).unwrap_err().to_string().contains("capacity"));
}
