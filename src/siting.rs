//! New-site suggestion: the Maximal Covering Location Problem (Church and
//! ReVelle 1974). Choose `p` candidate sites that cover the most population
//! not yet covered by existing services within the time: greedy, then
//! vertex substitution (swap a chosen site for another candidate while the
//! covered population grows).

use crate::error::{Error, Result};

/// A coverage instance: which candidates cover which demand units.
///
/// # Units
/// Populations in persons.
#[derive(Debug, Clone, PartialEq)]
pub struct CoverProblem {
    pub population: Vec<f64>,
    /// Units already covered by existing services.
    pub covered: Vec<bool>,
    /// Per candidate, the demand units it would cover.
    pub covers: Vec<Vec<u32>>,
}

/// The chosen sites and the population covered.
#[derive(Debug, Clone, PartialEq)]
pub struct Siting {
    /// Candidate indices, in the order they were added.
    pub sites: Vec<usize>,
    /// Population newly covered by each site, given the sites before it.
    pub gains: Vec<f64>,
    pub covered_before: f64,
    pub covered_after: f64,
}

impl CoverProblem {
    fn check(&self, p: usize) -> Result<()> {
        if p == 0 {
            return Err(Error::parameter("p", "ask for at least one new site"));
        }
        if p > self.covers.len() {
            return Err(Error::parameter(
                "p",
                format!("{p} sites asked for, but only {} candidates", self.covers.len()),
            ));
        }
        if self.covered.len() != self.population.len() {
            return Err(Error::parameter("covered", "one value per demand unit is needed"));
        }
        Ok(())
    }

    /// Population covered by existing services and `sites`.
    pub fn covered_population(&self, sites: &[usize]) -> f64 {
        let mut covered = self.covered.clone();
        for &s in sites {
            for &i in &self.covers[s] {
                covered[i as usize] = true;
            }
        }
        covered.iter().zip(&self.population).filter(|(c, _)| **c).map(|(_, p)| p).sum()
    }

    /// Greedy: each time the candidate with the largest gain (ties: lowest index).
    pub fn greedy(&self, p: usize) -> Result<Siting> {
        self.check(p)?;
        let mut covered = self.covered.clone();
        let mut sites = Vec::new();
        for _ in 0..p {
            let gain = |c: usize| -> f64 {
                self.covers[c].iter().filter(|&&i| !covered[i as usize]).map(|&i| self.population[i as usize]).sum()
            };
            let best = (0..self.covers.len())
                .filter(|c| !sites.contains(c))
                .map(|c| (c, gain(c)))
                .fold(None, |best: Option<(usize, f64)>, (c, g)| match best {
                    Some((_, bg)) if bg >= g => best,
                    _ => Some((c, g)),
                })
                .expect("p <= candidates");
            for &i in &self.covers[best.0] {
                covered[i as usize] = true;
            }
            sites.push(best.0);
        }
        Ok(self.siting(sites))
    }

    /// Greedy, then vertex substitution until no swap improves coverage.
    pub fn solve(&self, p: usize) -> Result<Siting> {
        let mut sites = self.greedy(p)?.sites;
        let mut best = self.covered_population(&sites);
        loop {
            let mut improved = None;
            for position in 0..sites.len() {
                for candidate in (0..self.covers.len()).filter(|c| !sites.contains(c)) {
                    let mut trial = sites.clone();
                    trial[position] = candidate;
                    let covered = self.covered_population(&trial);
                    if covered > best + 1e-9 * best.max(1.0) && improved.as_ref().is_none_or(|(_, c)| covered > *c) {
                        improved = Some((trial, covered));
                    }
                }
            }
            match improved {
                Some((trial, covered)) => {
                    sites = trial;
                    best = covered;
                }
                None => return Ok(self.siting(sites)),
            }
        }
    }

    /// Orders `sites` by marginal gain and reports the coverage.
    fn siting(&self, sites: Vec<usize>) -> Siting {
        let mut remaining = sites;
        let mut ordered = Vec::new();
        let mut gains = Vec::new();
        let mut covered_so_far = self.covered_population(&[]);
        let covered_before = covered_so_far;
        while !remaining.is_empty() {
            let (k, covered) = remaining
                .iter()
                .enumerate()
                .map(|(k, &s)| {
                    let mut with = ordered.clone();
                    with.push(s);
                    (k, self.covered_population(&with))
                })
                .fold((0, f64::NEG_INFINITY), |best, x| if x.1 > best.1 { x } else { best });
            ordered.push(remaining.remove(k));
            gains.push(covered - covered_so_far);
            covered_so_far = covered;
        }
        Siting { sites: ordered, gains, covered_before, covered_after: covered_so_far }
    }
}
