//! Complete enumeration for small problems: every set of `p` candidates is
//! tried, so the best one is proven optimal without an integer program.
//!
//! A planner's question is often small (a few dozen candidate desks, one to
//! three new ones), and there trying every combination takes milliseconds
//! where starting a MIP solver costs more than the whole search. MCLP and
//! p-median only: the capacitated model needs an assignment per set, and
//! LSCP a search over sizes.
//!
//! Both models become "minimise sum w_i min(b_i, min_{j in S} c_ij)":
//! for the p-median c_ij is the cost and b_i the nearest existing site (or
//! the unreached cost); for MCLP c_ij and b_i are 0 when covered, 1 when not,
//! so the sum is the weight left uncovered.

use super::{Instance, LocationModel, LocationOptions};

/// An upper bound on the nodes of the search tree: the sets of 1 to `p` of
/// `m` candidates, saturating.
fn tree_nodes(m: usize, p: usize) -> u64 {
    let mut total: u64 = 0;
    let mut choose: u64 = 1; // C(m, k)
    for k in 1..=p.min(m) {
        choose = choose.saturating_mul((m - k + 1) as u64) / k as u64;
        total = total.saturating_add(choose);
    }
    total
}

/// The units whose cost some candidate can lower: their weights, their
/// fallback costs and, per candidate, a column of costs (candidate-major).
struct Table {
    weights: Vec<f64>,
    fallback: Vec<f64>,
    columns: Vec<f64>,
}

fn table(instance: &Instance, options: &LocationOptions) -> Table {
    let covering = options.model == LocationModel::Mclp;
    let penalty = |c: f64| if covering { f64::from(u8::from(c > options.cutoff_s)) } else { c };
    let (mut weights, mut fallback) = (Vec::new(), Vec::new());
    // (row, candidate, cost) of every pair that beats its unit's fallback
    let mut lowered: Vec<(usize, usize, f64)> = Vec::new();
    for (list, &w) in instance.pairs.iter().zip(&instance.weights) {
        let existing = list.iter().filter(|&&(f, _)| f as usize >= instance.candidates).map(|&(_, c)| penalty(c));
        let b = existing.fold(if covering { 1.0 } else { options.unreached_cost_s }, f64::min);
        let before = lowered.len();
        for &(f, c) in list.iter().filter(|&&(f, _)| (f as usize) < instance.candidates) {
            if penalty(c) < b {
                lowered.push((weights.len(), f as usize, penalty(c)));
            }
        }
        if w > 0.0 && lowered.len() > before {
            weights.push(w);
            fallback.push(b);
        } else {
            lowered.truncate(before);
        }
    }
    let n = weights.len();
    let mut columns: Vec<f64> = (0..instance.candidates).flat_map(|_| fallback.iter().copied()).collect();
    for (i, j, c) in lowered {
        columns[j * n + i] = columns[j * n + i].min(c);
    }
    Table { weights, fallback, columns }
}

/// The best set of `options.new_sites` candidates, when the model is MCLP
/// or p-median and the search costs at most `options.enumeration_limit`
/// unit evaluations; `None` otherwise (HiGHS then solves it).
pub fn solve(instance: &Instance, options: &LocationOptions) -> Option<Vec<usize>> {
    if !matches!(options.model, LocationModel::Mclp | LocationModel::PMedian) {
        return None;
    }
    let (m, p) = (instance.candidates, options.new_sites);
    // a cheap bound first: the table keeps at most every unit
    let upper = tree_nodes(m, p).saturating_mul(instance.weights.len() as u64);
    if upper > options.enumeration_limit {
        return None;
    }
    let table = table(instance, options);
    let n = table.weights.len();
    // levels[d]: each unit's cost with the first d chosen sites
    let mut levels = vec![table.fallback.clone()];
    levels.resize(p + 1, vec![0.0; n]);
    let mut chosen: Vec<usize> = Vec::with_capacity(p);
    let mut best: (f64, Vec<usize>) = (f64::INFINITY, Vec::new());
    let mut next = 0; // the next candidate to try at this depth
    loop {
        let depth = chosen.len();
        // no room left at this depth: back up one level
        if next + (p - depth) > m {
            match chosen.pop() {
                Some(j) => {
                    next = j + 1;
                    continue;
                }
                None => break,
            }
        }
        let column = &table.columns[next * n..(next + 1) * n];
        if depth + 1 == p {
            let value: f64 =
                levels[depth].iter().zip(column).zip(&table.weights).map(|((&a, &c), w)| w * a.min(c)).sum();
            if value < best.0 {
                chosen.push(next);
                best = (value, chosen.clone());
                chosen.pop();
            }
            next += 1;
        } else {
            let (done, rest) = levels.split_at_mut(depth + 1);
            for ((out, &a), &c) in rest[0].iter_mut().zip(&done[depth]).zip(column) {
                *out = a.min(c);
            }
            chosen.push(next);
            next += 1;
        }
    }
    Some(best.1)
}

#[cfg(test)]
mod tests {
    use super::tree_nodes;

    #[test]
    fn the_tree_counts_every_partial_set() {
        // C(5,1) + C(5,2) = 15 for p = 2 of 5
        assert_eq!(tree_nodes(5, 2), 15);
        assert_eq!(tree_nodes(16, 4), 16 + 120 + 560 + 1820);
        assert_eq!(tree_nodes(3, 5), 7);
    }
}
