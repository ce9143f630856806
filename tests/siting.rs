//! MCLP against exhaustive search on random small instances.

mod common;

use capacitymetro::siting::CoverProblem;
use common::Rng;

fn instance(seed: u64) -> (CoverProblem, usize) {
    let mut rng = Rng::seeded(seed);
    let units = 8 + rng.below(25) as usize;
    let candidates = 4 + rng.below(9) as usize; // at most 12
    let p = 1 + rng.below(3) as usize; // at most 3
    let population = (0..units).map(|_| (1 + rng.below(1000)) as f64).collect();
    let covered = (0..units).map(|_| rng.below(5) == 0).collect();
    let covers = (0..candidates).map(|_| (0..units as u32).filter(|_| rng.below(4) == 0).collect()).collect();
    (CoverProblem { population, covered, covers }, p.min(candidates))
}

fn optimum(problem: &CoverProblem, p: usize) -> f64 {
    fn choose(problem: &CoverProblem, start: usize, p: usize, chosen: &mut Vec<usize>, best: &mut f64) {
        if chosen.len() == p {
            *best = best.max(problem.covered_population(chosen));
            return;
        }
        for c in start..problem.covers.len() {
            chosen.push(c);
            choose(problem, c + 1, p, chosen, best);
            chosen.pop();
        }
    }
    let mut best = f64::NEG_INFINITY;
    choose(problem, 0, p, &mut Vec::new(), &mut best);
    best
}

#[test]
fn greedy_with_interchange_finds_the_optimum_in_at_least_95_percent_of_seeds() {
    let seeds = 400;
    let mut optimal = 0;
    for seed in 0..seeds {
        let (problem, p) = instance(seed);
        let solved = problem.solve(p).unwrap();
        let greedy = problem.greedy(p).unwrap();
        let best = optimum(&problem, p);
        assert!(solved.covered_after >= greedy.covered_after - 1e-9, "seed {seed}: below plain greedy");
        assert!(solved.covered_after <= best + 1e-9);
        assert_eq!(solved.covered_after, problem.covered_population(&solved.sites));
        assert!((solved.gains.iter().sum::<f64>() - (solved.covered_after - solved.covered_before)).abs() < 1e-9);
        assert!(solved.gains.windows(2).all(|w| w[0] >= w[1] - 1e-9), "gains in decreasing order");
        if (solved.covered_after - best).abs() < 1e-9 {
            optimal += 1;
        }
    }
    assert!(optimal * 100 >= seeds * 95, "{optimal} of {seeds} optimal");
}

#[test]
fn bad_requests_are_refused() {
    let (problem, _) = instance(1);
    assert!(problem.solve(0).unwrap_err().to_string().contains("at least one new site"));
    let too_many = problem.covers.len() + 1;
    assert!(problem.solve(too_many).unwrap_err().to_string().contains("only"));
}
