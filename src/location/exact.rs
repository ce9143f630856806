//! The location models as integer programs, solved with HiGHS.
//!
//! - MCLP: max sum w_i y_i, y_i <= sum_{j covers i} x_j, sum x_j = p, over
//!   the units no existing site covers.
//! - LSCP: min sum x_j, sum_{j covers i} x_j >= 1 over the same units
//!   (those no candidate covers are left out and reported).
//! - p-median: min sum w_i c_ij z_ij + w_i b_i e_i, sum_j z_ij + e_i = 1,
//!   z_ij <= x_j, sum x_j = p, where b_i is the cost to the nearest existing
//!   site (or the unreached cost) and e_i assigns the unit there; a pair no
//!   cheaper than b_i is never used and is left out. (The radius form of
//!   Elloumi 2010 was tried: on 2,000 x 200 it was slower, 1.2M nonzeros.)
//! - capacitated p-median: every pair (existing sites too) and u_i for a unit
//!   left unserved at the unreached cost; sum_i w_i z_ij <= cap_j x_j; each
//!   unit goes whole to one site (z and u binary, single sourcing, as spopt).
//!
//! Elsewhere y, z and e are continuous: for fixed x an optimal solution needs
//! no fractions.
//! "Optimal" is HiGHS's, with the relative gap tolerance [`MIP_REL_GAP`].

use super::{heuristic, Instance, LocationModel, LocationOptions};
use crate::error::{Error, Result};
use highs::{HighsModelStatus, HighsSolutionStatus, RowProblem, Sense};

/// The relative gap under which HiGHS calls a solution optimal.
pub const MIP_REL_GAP: f64 = 1e-7;

/// What HiGHS found.
#[derive(Debug, Clone, PartialEq)]
pub struct ExactAnswer {
    pub sites: Vec<usize>,
    pub objective: f64,
    pub proven_optimal: bool,
    pub mip_gap: f64,
}

/// Where each variable sits in the column vector.
struct Layout {
    columns: usize,
    /// (unit, facility, column) of each assignment variable.
    pairs: Vec<(usize, usize, usize)>,
    /// Per unit, its covering (y), nearest-existing (e) or unserved (u) column.
    unit_column: Vec<Option<usize>>,
}

/// Units to cover that the same candidates cover: one row (and in MCLP one
/// y, their weights summed) for all of them.
struct CoverRow {
    units: Vec<usize>,
    /// Ascending.
    sites: Vec<usize>,
}

/// The covering rows: the units to cover grouped by the set of candidates
/// that cover them. For LSCP a set that contains another is dropped too: covering
/// the smaller one covers it. Both shrink the program several times over on
/// dense instances without changing its optimum.
fn covering_rows(instance: &Instance, options: &LocationOptions) -> Vec<CoverRow> {
    let covers = instance.cover_lists(options.cutoff_s);
    let needed = heuristic::units_to_cover(instance, &covers, options.cutoff_s);
    let mut covering: Vec<Vec<usize>> = vec![Vec::new(); instance.weights.len()];
    for (j, list) in covers.iter().enumerate() {
        for &i in list {
            covering[i as usize].push(j);
        }
    }
    let mut groups: std::collections::HashMap<Vec<usize>, Vec<usize>> = std::collections::HashMap::new();
    for (i, sites) in covering.into_iter().enumerate().filter(|(i, _)| needed[*i]) {
        groups.entry(sites).or_default().push(i);
    }
    let mut rows: Vec<CoverRow> = groups.into_iter().map(|(sites, units)| CoverRow { units, sites }).collect();
    // smallest first (see without_supersets); the order HiGHS sees does not depend on the hash
    rows.sort_unstable_by(|a, b| (a.sites.len(), &a.sites).cmp(&(b.sites.len(), &b.sites)));
    if options.model == LocationModel::Lscp {
        rows = without_supersets(rows, instance.candidates);
    }
    rows
}

/// Drops every row whose set contains a kept one (`rows` sorted by size).
fn without_supersets(rows: Vec<CoverRow>, candidates: usize) -> Vec<CoverRow> {
    // kept sets by their first candidate: a subset of a set starts inside it
    let mut by_first: Vec<Vec<usize>> = vec![Vec::new(); candidates];
    let mut kept: Vec<CoverRow> = Vec::new();
    let mut inside = vec![false; candidates];
    for row in rows {
        for &j in &row.sites {
            inside[j] = true;
        }
        let dominated =
            row.sites.iter().any(|&j| by_first[j].iter().any(|&k| kept[k].sites.iter().all(|&s| inside[s])));
        for &j in &row.sites {
            inside[j] = false;
        }
        if !dominated {
            if let Some(&first) = row.sites.first() {
                by_first[first].push(kept.len());
            }
            kept.push(row);
        }
    }
    kept
}

/// The largest cost at which a unit can still be assigned in the p-median:
/// with p of m candidates open, one of its m - p + 1 nearest is, so farther
/// pairs are never used (infinite when it reaches fewer candidates).
fn farthest_useful(instance: &Instance, options: &LocationOptions, list: &[(u32, f64)]) -> f64 {
    let rank = instance.candidates + 1 - options.new_sites;
    let mut costs: Vec<f64> =
        list.iter().filter(|&&(f, _)| (f as usize) < instance.candidates).map(|&(_, c)| c).collect();
    if costs.len() < rank {
        return f64::INFINITY;
    }
    let (_, nth, _) = costs.select_nth_unstable_by(rank - 1, f64::total_cmp);
    *nth
}

/// Builds the program; `fixed` fixes x to a set of sites (an LP).
fn build(instance: &Instance, options: &LocationOptions, fixed: Option<&[usize]>) -> (RowProblem, Layout) {
    let mut problem = RowProblem::default();
    let site_cost = if options.model == LocationModel::Lscp { 1.0 } else { 0.0 };
    let x: Vec<_> = (0..instance.candidates)
        .map(|j| match fixed {
            Some(sites) => {
                let v = if sites.contains(&j) { 1.0 } else { 0.0 };
                problem.add_column(site_cost, v..=v)
            }
            None => problem.add_integer_column(site_cost, 0.0..=1.0),
        })
        .collect();
    let mut layout = Layout { columns: x.len(), pairs: Vec::new(), unit_column: vec![None; instance.weights.len()] };
    // single sourcing in the capacitated model: each unit goes to one site, as in spopt
    let integral = options.model == LocationModel::CapacitatedPMedian;
    let mut add = |problem: &mut RowProblem, cost: f64| {
        layout.columns += 1;
        let column =
            if integral { problem.add_integer_column(cost, 0.0..=1.0) } else { problem.add_column(cost, 0.0..=1.0) };
        (column, layout.columns - 1)
    };
    match options.model {
        LocationModel::Mclp | LocationModel::Lscp => {
            for CoverRow { units, sites } in covering_rows(instance, options) {
                if options.model == LocationModel::Mclp {
                    let weight = units.iter().map(|&i| instance.weights[i]).sum();
                    let (y, column) = add(&mut problem, weight);
                    for &i in &units {
                        layout.unit_column[i] = Some(column);
                    }
                    let row: Vec<_> = std::iter::once((y, 1.0)).chain(sites.iter().map(|&j| (x[j], -1.0))).collect();
                    problem.add_row(..=0.0, row);
                } else {
                    problem.add_row(1.0.., sites.iter().map(|&j| (x[j], 1.0)));
                }
            }
        }
        LocationModel::PMedian | LocationModel::CapacitatedPMedian => {
            let capacitated = options.model == LocationModel::CapacitatedPMedian;
            let mut load: Vec<Vec<(highs::Col, f64)>> = vec![Vec::new(); instance.candidates + instance.existing];
            for (i, list) in instance.pairs.iter().enumerate() {
                let w = instance.weights[i];
                let nearest_existing = list
                    .iter()
                    .filter(|&&(f, _)| f as usize >= instance.candidates)
                    .fold(options.unreached_cost_s, |b, &(_, c)| b.min(c));
                let fallback = if capacitated { options.unreached_cost_s } else { nearest_existing };
                let farthest = if capacitated { f64::INFINITY } else { farthest_useful(instance, options, list) };
                let (e, column) = add(&mut problem, w * fallback);
                layout.unit_column[i] = Some(column);
                let mut assign = vec![(e, 1.0)];
                for &(f, c) in list {
                    let f = f as usize;
                    let useful = if capacitated {
                        c < options.unreached_cost_s
                    } else {
                        f < instance.candidates && c < fallback && c <= farthest
                    };
                    if !useful {
                        continue;
                    }
                    let (z, column) = add(&mut problem, w * c);
                    layout.pairs.push((i, f, column));
                    assign.push((z, 1.0));
                    if f < instance.candidates {
                        problem.add_row(..=0.0, [(z, 1.0), (x[f], -1.0)]);
                    }
                    load[f].push((z, w));
                }
                problem.add_row(1.0..=1.0, assign);
            }
            if let (true, Some(capacity)) = (capacitated, &instance.capacity) {
                for (f, row) in load.into_iter().enumerate().filter(|(_, r)| !r.is_empty()) {
                    if f < instance.candidates {
                        problem.add_row(..=0.0, row.into_iter().chain([(x[f], -capacity[f])]));
                    } else {
                        problem.add_row(..=capacity[f], row);
                    }
                }
            }
        }
    }
    if options.model != LocationModel::Lscp {
        let p = options.new_sites as f64;
        problem.add_row(p..=p, x.iter().map(|&c| (c, 1.0)));
    }
    (problem, layout)
}

/// A start for HiGHS from the heuristic's sites (MCLP, LSCP, p-median).
fn start(instance: &Instance, options: &LocationOptions, layout: &Layout, sites: &[usize]) -> Vec<f64> {
    let mut columns = vec![0.0; layout.columns];
    for &s in sites {
        columns[s] = 1.0;
    }
    let nearest = heuristic::nearest_costs(instance, options.unreached_cost_s, sites);
    for (i, column) in layout.unit_column.iter().enumerate() {
        let Some(column) = *column else { continue };
        let (cost, facility) = nearest[i];
        columns[column] = match options.model {
            LocationModel::Mclp => f64::from(u8::from(cost <= options.cutoff_s)),
            _ => f64::from(u8::from(facility.is_none_or(|f| f >= instance.candidates))),
        };
    }
    for &(i, f, column) in &layout.pairs {
        if nearest[i].1 == Some(f) {
            columns[column] = 1.0;
        }
    }
    columns
}

fn highs_error(what: &str, status: impl std::fmt::Debug) -> Error {
    Error::Internal(format!("HiGHS {what}: {status:?}"))
}

/// How to start HiGHS.
enum Warm<'a> {
    Cold,
    /// From these sites, each unit at its nearest open site.
    Sites(&'a [usize]),
    /// From a full solution.
    Columns(Vec<f64>),
}

/// HiGHS's answer: columns, objective, proven optimal, relative gap.
type Outcome = (Vec<f64>, f64, bool, f64);

/// Solves the program (with `fixed` sites, an LP); `None` when HiGHS found no solution in time.
fn run(
    instance: &Instance,
    options: &LocationOptions,
    fixed: Option<&[usize]>,
    warm: Warm,
) -> Result<(Option<Outcome>, Layout)> {
    let (problem, layout) = build(instance, options, fixed);
    let warm = match warm {
        Warm::Cold => None,
        Warm::Sites(sites) => Some(start(instance, options, &layout, sites)),
        Warm::Columns(columns) => Some(columns),
    };
    let sense = if options.model.maximises() { Sense::Maximise } else { Sense::Minimise };
    let mut model = problem.optimise(sense);
    model.try_set_option("time_limit", options.time_limit_s).map_err(|s| highs_error("time limit", s))?;
    model.try_set_option("mip_rel_gap", MIP_REL_GAP).map_err(|s| highs_error("gap", s))?;
    model.try_set_option("random_seed", 1).map_err(|s| highs_error("seed", s))?;
    // Measured on random 2,000 x 200 and San Francisco instances: HiGHS's
    // feasibility jump finds better LSCP starts than greedy set cover, but
    // with the heuristic's start it only costs time on the other models; on
    // MCLP after covering_rows presolve removes nothing and takes longer.
    let model_is = |m: LocationModel| options.model == m;
    if !model_is(LocationModel::Lscp) {
        model
            .try_set_option("mip_heuristic_run_feasibility_jump", false)
            .map_err(|s| highs_error("feasibility jump", s))?;
    }
    if model_is(LocationModel::Mclp) {
        model.try_set_option("presolve", "off").map_err(|s| highs_error("presolve", s))?;
    }
    if let Some(columns) = warm.as_deref().filter(|c| c.len() == layout.columns) {
        // A start HiGHS rejects only costs time: the search goes on without it.
        let _ = model.try_set_solution(Some(columns), None, None, None);
    }
    let solved = model.try_solve().map_err(|s| highs_error("solve", s))?;
    let status = solved.status();
    if status == HighsModelStatus::ModelEmpty {
        return Ok((Some((vec![0.0; layout.columns], 0.0, true, 0.0)), layout));
    }
    if solved.primal_solution_status() != HighsSolutionStatus::Feasible {
        return match status {
            HighsModelStatus::ReachedTimeLimit | HighsModelStatus::ReachedInterrupt => Ok((None, layout)),
            other => Err(highs_error("status", other)),
        };
    }
    let proven = status == HighsModelStatus::Optimal;
    let gap = if fixed.is_some() || proven { 0.0 } else { solved.mip_gap() };
    Ok((Some((solved.get_solution().columns().to_vec(), solved.objective_value(), proven, gap)), layout))
}

fn chosen(instance: &Instance, columns: &[f64]) -> Vec<usize> {
    (0..instance.candidates).filter(|&j| columns[j] > 0.5).collect()
}

/// The program with x fixed to `sites`: its columns, objective and layout.
fn fixed_assignment(
    instance: &Instance,
    options: &LocationOptions,
    sites: &[usize],
) -> Result<(Vec<f64>, f64, Layout)> {
    let fixed = LocationOptions { new_sites: sites.len(), ..*options };
    match run(instance, &fixed, Some(sites), Warm::Cold)? {
        (Some((columns, objective, ..)), layout) => Ok((columns, objective, layout)),
        (None, _) => Err(highs_error("assignment", "no solution within the time limit")),
    }
}

/// The capacitated p-median cost of a set of sites, and the weight each serves.
pub fn capacitated_assignment(
    instance: &Instance,
    options: &LocationOptions,
    sites: &[usize],
) -> Result<(f64, Vec<f64>)> {
    let (columns, objective, layout) = fixed_assignment(instance, options, sites)?;
    let mut served = vec![0.0; sites.len()];
    for &(i, f, column) in &layout.pairs {
        if let Some(k) = sites.iter().position(|&s| s == f) {
            served[k] += instance.weights[i] * columns[column];
        }
    }
    Ok((objective, served))
}

/// Solves the model exactly, started from `warm_sites`.
pub fn solve(instance: &Instance, options: &LocationOptions, warm_sites: &[usize]) -> Result<Option<ExactAnswer>> {
    let warm = match options.model {
        LocationModel::CapacitatedPMedian => Warm::Columns(fixed_assignment(instance, options, warm_sites)?.0),
        _ => Warm::Sites(warm_sites),
    };
    let (Some((columns, objective, proven_optimal, mip_gap)), _) = run(instance, options, None, warm)? else {
        return Ok(None);
    };
    let sites = chosen(instance, &columns);
    let objective = match options.model {
        LocationModel::CapacitatedPMedian => objective,
        _ => instance.objective(options, &sites),
    };
    Ok(Some(ExactAnswer { sites, objective, proven_optimal, mip_gap }))
}
