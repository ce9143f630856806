//! What the desks' records say: flows, bypass, observed against modelled
//! access, unmet and referred requests, languages, months, and the distance
//! decay fitted to the flows. Every count leaving here has passed the one
//! disclosure rule of [`crate::privacy`]: the zone × category and desk ×
//! category tables are protected with their totals (their shared category
//! totals suppressed alike), and every other count is a breakdown of a
//! published cell of one of them.

use super::records::{Outcome, Requests};
use crate::accessibility::{default_zones, e2sfca, CostMatrix, Pair};
use crate::catalogue::Service;
use crate::error::{Error, Result};
use crate::gaps::{unit_gaps, LowClass};
use crate::privacy::{merged_breakdown, protect_table, ProtectedTable};
use std::collections::{BTreeMap, HashMap};

/// Travel times from every zone to every desk.
///
/// # Units
/// seconds; `NaN` where a desk is out of reach.
pub struct Times {
    pub desks: usize,
    pub seconds: Vec<f64>,
}

impl Times {
    pub fn get(&self, zone: usize, desk: usize) -> Option<f64> {
        let t = self.seconds[zone * self.desks + desk];
        t.is_finite().then_some(t)
    }
}

/// Residents of each zone.
pub struct Zones<'a> {
    pub population: &'a [f64],
}

/// Settings of the analysis.
pub struct Settings {
    /// Smallest count published (requests).
    pub k: f64,
    /// A desk serves a zone (for languages offered) when within this time.
    ///
    /// # Units
    /// seconds
    pub served_within_s: f64,
    /// Number of categories of the vocabulary.
    pub categories: usize,
}

/// One zone and category.
#[derive(Debug, Clone, Default)]
pub struct ZoneNeed {
    pub zone: usize,
    pub category: usize,
    /// Requests (published count; `None` when suppressed).
    pub requests: Option<f64>,
    pub rate_per_1000: Option<f64>,
    pub served: Option<f64>,
    pub referred: Option<f64>,
    pub unmet: Option<f64>,
    pub bypassing: Option<f64>,
    pub bypass_share: Option<f64>,
    /// Mean extra time of the requests that bypassed the nearest desk, minutes.
    pub bypass_extra_min: Option<f64>,
    /// Time to the nearest desk of the category, minutes.
    pub nearest_min: Option<f64>,
    /// E2SFCA accessibility (default steps) and gap score, as the accessibility job computes them.
    pub access: f64,
    pub gap_score: f64,
    /// Languages used by at least `k` requesters that no desk of the category within the served time speaks.
    pub languages_not_offered: Vec<String>,
}

/// Requests from a zone to a desk (`None`: the other desks together).
#[derive(Debug, Clone)]
pub struct Flow {
    pub zone: usize,
    pub desk: Option<usize>,
    pub category: usize,
    pub requests: f64,
    /// Minutes; `None` for "other" or out of reach.
    pub travel_min: Option<f64>,
}

/// Referrals from a desk to a desk (`None`: the other desks together).
#[derive(Debug, Clone)]
pub struct Referral {
    pub from: usize,
    pub to: Option<usize>,
    pub category: usize,
    pub requests: f64,
    /// Whether the receiving desk lists the category (`None` for "other").
    pub receiver_serves: Option<bool>,
}

/// Requests in a language from a zone, for a category (`None`: the other languages).
#[derive(Debug, Clone)]
pub struct LanguageNeed {
    pub zone: usize,
    pub category: usize,
    pub language: Option<String>,
    pub requests: f64,
    /// Whether a desk of the category within the served time speaks it.
    pub offered: Option<bool>,
}

/// Bypass by language, for a category.
#[derive(Debug, Clone)]
pub struct LanguageBypass {
    pub category: usize,
    pub language: String,
    pub requests: Option<f64>,
    pub bypassing: Option<f64>,
    pub share: Option<f64>,
}

/// Requests at a desk in a month (`None`: the other months).
#[derive(Debug, Clone)]
pub struct Monthly {
    pub desk: usize,
    pub category: usize,
    pub month: Option<u32>,
    pub requests: f64,
    /// Against the same month a year earlier, when both are published.
    pub change: Option<f64>,
    pub change_pct: Option<f64>,
}

/// One desk and category.
#[derive(Debug, Clone)]
pub struct DeskNeed {
    pub desk: usize,
    pub category: usize,
    pub requests: Option<f64>,
    pub serves_category: bool,
    /// Referrals received in the category, from the published referral lines.
    pub referrals_received: f64,
}

/// The exponential decay `exp(-t / decay_minutes)` fitted to the flows by
/// maximum likelihood of each request's choice of desk among the desks of
/// its category in reach of its zone (a destination-choice model).
#[derive(Debug, Clone, serde::Serialize)]
pub struct DecayFit {
    /// Per minute.
    pub beta_per_min: f64,
    /// Minutes: the `decay_minutes` of an exponential decay.
    pub decay_minutes: f64,
    /// Standard error of `decay_minutes`, from the curvature of the likelihood.
    pub standard_error_minutes: f64,
    pub requests_used: f64,
    pub log_likelihood: f64,
    pub iterations: usize,
}

/// Everything the analysis publishes.
pub struct Needs {
    pub zones: Vec<ZoneNeed>,
    pub flows: Vec<Flow>,
    pub referrals: Vec<Referral>,
    pub languages: Vec<LanguageNeed>,
    pub bypass_by_language: Vec<LanguageBypass>,
    pub monthly: Vec<Monthly>,
    pub desks: Vec<DeskNeed>,
    /// `None` when no zone has a choice of desks.
    pub decay: Option<DecayFit>,
    /// Counts suppressed in the two protected tables (cells and totals).
    pub suppressed: usize,
    pub zone_table: ProtectedTable,
    pub desk_table: ProtectedTable,
}

fn add<K: std::hash::Hash + Eq>(map: &mut HashMap<K, f64>, key: K) {
    *map.entry(key).or_insert(0.0) += 1.0;
}

/// Runs every analysis; see the module documentation.
pub fn analyse(
    requests: &Requests,
    services: &[Service],
    zones: &Zones,
    times: &Times,
    settings: &Settings,
) -> Result<Needs> {
    let (z_count, d_count, c_count) = (zones.population.len(), services.len(), settings.categories);
    if times.seconds.len() != z_count * d_count {
        return Err(Error::Internal("travel times do not match the zones and desks".into()));
    }
    let k = settings.k;
    let members: Vec<Vec<usize>> =
        (0..c_count).map(|c| (0..d_count).filter(|&d| services[d].categories.contains(c)).collect()).collect();
    // nearest desk of each category from each zone
    let nearest: Vec<Option<f64>> = (0..z_count * c_count)
        .map(|i| {
            let (z, c) = (i / c_count, i % c_count);
            members[c].iter().filter_map(|&d| times.get(z, d)).min_by(f64::total_cmp)
        })
        .collect();

    // one pass over the records
    let mut zone_cells = vec![vec![0.0; c_count]; z_count];
    let mut desk_cells = vec![vec![0.0; c_count]; d_count];
    let mut flows: HashMap<(u32, u8, u32), f64> = HashMap::new();
    let mut outcomes: HashMap<(u32, u8, Outcome), f64> = HashMap::new();
    let mut bypass: HashMap<(u32, u8, bool), f64> = HashMap::new();
    let mut bypass_extra_s = vec![0.0; z_count * c_count];
    let mut bypass_known = vec![0.0; z_count * c_count];
    let mut languages: HashMap<(u32, u8, u16), f64> = HashMap::new();
    let mut language_bypass: HashMap<(u8, u16, bool), f64> = HashMap::new();
    let mut referrals: HashMap<(u32, u8, Option<u32>), f64> = HashMap::new();
    let mut months: HashMap<(u32, u8, u32), f64> = HashMap::new();
    for i in 0..requests.len() {
        let (z, d, c) = (requests.zone[i], requests.desk[i], requests.category[i]);
        let (zu, du, cu) = (z as usize, d as usize, c as usize);
        zone_cells[zu][cu] += 1.0;
        desk_cells[du][cu] += 1.0;
        add(&mut flows, (z, c, d));
        add(&mut outcomes, (z, c, requests.outcome[i]));
        let chosen = times.get(zu, du);
        let best = nearest[zu * c_count + cu];
        let bypassed = match (chosen, best) {
            (Some(t), Some(b)) => {
                if t > b + 1e-6 {
                    bypass_extra_s[zu * c_count + cu] += t - b;
                    bypass_known[zu * c_count + cu] += 1.0;
                }
                t > b + 1e-6
            }
            (None, _) => true,
            (Some(_), None) => false,
        };
        add(&mut bypass, (z, c, bypassed));
        add(&mut languages, (z, c, requests.language[i]));
        add(&mut language_bypass, (c, requests.language[i], bypassed));
        let to = if requests.outcome[i] == Outcome::Referred { requests.referred_to[i] } else { None };
        add(&mut referrals, (d, c, to));
        add(&mut months, (d, c, requests.month[i]));
    }

    // the two tables with totals, their shared category totals suppressed alike
    let (zone_table, desk_table) = protect_linked(&zone_cells, &desk_cells, k);
    let suppressed =
        [&zone_table, &desk_table].iter().flat_map(|t| t.suppressed.iter().flatten()).filter(|s| **s).count();

    // observed against modelled: E2SFCA and gap score per category
    let mut access = vec![0.0; z_count * c_count];
    let mut gap_score = vec![0.0; z_count * c_count];
    let steps = default_zones();
    let catchment_s = steps.last().map_or(0.0, |s| s.0);
    for (c, desks_of_c) in members.iter().enumerate() {
        if desks_of_c.is_empty() {
            continue;
        }
        let mut pairs = Vec::new();
        let mut served = vec![false; z_count];
        for (z, is_served) in served.iter_mut().enumerate() {
            for (j, &d) in desks_of_c.iter().enumerate() {
                if let Some(t) = times.get(z, d) {
                    if t <= catchment_s {
                        pairs.push(Pair { demand: z as u32, service: j as u32, cost_s: t });
                    }
                    *is_served |= t <= settings.served_within_s;
                }
            }
        }
        let matrix = CostMatrix::new(z_count, desks_of_c.len(), pairs)?;
        let supply: Vec<f64> = desks_of_c.iter().map(|&d| services[d].capacity).collect();
        let result = e2sfca(&matrix, &supply, zones.population, &steps)?;
        let gaps = unit_gaps(&served, &result.access, zones.population, LowClass::Quintile)?;
        for z in 0..z_count {
            access[z * c_count + c] = result.access[z];
            gap_score[z * c_count + c] = gaps[z].score;
        }
    }

    let mut zone_needs = Vec::new();
    let mut flow_rows = Vec::new();
    let mut language_rows = Vec::new();
    for z in 0..z_count {
        for (c, desks_of_c) in members.iter().enumerate() {
            let i = z * c_count + c;
            let published = zone_table.published(z, c);
            let mut need = ZoneNeed {
                zone: z,
                category: c,
                requests: published,
                nearest_min: nearest[i].map(|t| t / 60.0),
                access: access[i],
                gap_score: gap_score[i],
                ..Default::default()
            };
            need.rate_per_1000 =
                published.filter(|_| zones.population[z] > 0.0).map(|n| n / zones.population[z] * 1000.0);
            if published.is_some_and(|n| n > 0.0) {
                let (z32, c8) = (z as u32, c as u8);
                // outcomes
                let parts: Vec<(Outcome, f64)> = [Outcome::Served, Outcome::Referred, Outcome::Unmet]
                    .iter()
                    .map(|&o| (o, outcomes.get(&(z32, c8, o)).copied().unwrap_or(0.0)))
                    .collect();
                if let Some(b) = merged_breakdown(parts, k) {
                    let part =
                        |o: Outcome| b.parts.iter().find(|p| p.0 == o).map(|p| p.1).or((b.other == 0.0).then_some(0.0));
                    need.served = part(Outcome::Served);
                    need.referred = part(Outcome::Referred);
                    need.unmet = part(Outcome::Unmet);
                }
                // bypass
                let parts: Vec<(bool, f64)> =
                    [true, false].iter().map(|&b| (b, bypass.get(&(z32, c8, b)).copied().unwrap_or(0.0))).collect();
                if let Some(b) = merged_breakdown(parts, k) {
                    let bypassing = b.parts.iter().find(|p| p.0).map(|p| p.1).or((b.other == 0.0).then_some(0.0));
                    need.bypassing = bypassing;
                    need.bypass_share = bypassing.and_then(|n| published.map(|all| n / all));
                    need.bypass_extra_min = bypassing
                        .filter(|n| *n > 0.0 && bypass_known[i] > 0.0)
                        .map(|_| bypass_extra_s[i] / bypass_known[i] / 60.0);
                }
                // flows by desk
                let parts: Vec<(usize, f64)> =
                    (0..d_count).filter_map(|d| flows.get(&(z32, c8, d as u32)).map(|&n| (d, n))).collect();
                if let Some(b) = merged_breakdown(parts, k) {
                    for (d, n) in b.parts {
                        let travel_min = times.get(z, d).map(|t| t / 60.0);
                        flow_rows.push(Flow { zone: z, desk: Some(d), category: c, requests: n, travel_min });
                    }
                    if b.other > 0.0 {
                        flow_rows.push(Flow { zone: z, desk: None, category: c, requests: b.other, travel_min: None });
                    }
                }
                // languages
                let parts: Vec<(u16, f64)> = (0..requests.languages.len() as u16)
                    .filter_map(|l| languages.get(&(z32, c8, l)).map(|&n| (l, n)))
                    .collect();
                if let Some(b) = merged_breakdown(parts, k) {
                    for (l, n) in b.parts {
                        let code = &requests.languages[l as usize];
                        let offered = desks_of_c.iter().any(|&d| {
                            times.get(z, d).is_some_and(|t| t <= settings.served_within_s)
                                && services[d].languages.iter().any(|s| s == code)
                        });
                        if !offered {
                            need.languages_not_offered.push(code.clone());
                        }
                        let language = Some(code.clone());
                        language_rows.push(LanguageNeed {
                            zone: z,
                            category: c,
                            language,
                            requests: n,
                            offered: Some(offered),
                        });
                    }
                    if b.other > 0.0 {
                        language_rows.push(LanguageNeed {
                            zone: z,
                            category: c,
                            language: None,
                            requests: b.other,
                            offered: None,
                        });
                    }
                }
            }
            zone_needs.push(need);
        }
    }

    // bypass by language: a breakdown of each published category total
    let mut bypass_by_language = Vec::new();
    for c in 0..c_count {
        if zone_table.published(z_count, c).is_none_or(|n| n == 0.0) {
            continue;
        }
        let parts: Vec<((u16, bool), f64)> = language_bypass
            .iter()
            .filter(|((cc, _, _), _)| *cc as usize == c)
            .map(|(&(_, l, b), &n)| ((l, b), n))
            .collect();
        let Some(b) = merged_breakdown(parts, k) else { continue };
        let mut by_language: BTreeMap<&str, (Option<f64>, Option<f64>)> = BTreeMap::new();
        for ((l, bypassed), n) in &b.parts {
            let entry = by_language.entry(requests.languages[*l as usize].as_str()).or_insert((None, None));
            if *bypassed {
                entry.0 = Some(*n);
            } else {
                entry.1 = Some(*n);
            }
        }
        for (language, (bypassing, not)) in by_language {
            let requests = bypassing.zip(not).map(|(a, b)| a + b);
            let share = bypassing.zip(requests).map(|(a, all)| a / all);
            bypass_by_language.push(LanguageBypass {
                category: c,
                language: language.to_string(),
                requests,
                bypassing,
                share,
            });
        }
    }

    // desks: referrals and months, breakdowns of the desk × category cells
    let mut referral_rows = Vec::new();
    let mut monthly = Vec::new();
    for d in 0..d_count {
        for c in 0..c_count {
            if desk_table.published(d, c).is_none_or(|n| n == 0.0) {
                continue;
            }
            let (d32, c8) = (d as u32, c as u8);
            let parts: Vec<(Option<u32>, f64)> = referrals
                .iter()
                .filter(|((dd, cc, _), _)| *dd == d32 && *cc == c8)
                .map(|(&(_, _, to), &n)| (to, n))
                .collect();
            if let Some(b) = merged_breakdown(parts, k) {
                for (to, n) in b.parts.into_iter().filter(|p| p.0.is_some()) {
                    let to = to.map(|t| t as usize);
                    let receiver_serves = to.map(|t| services[t].categories.contains(c));
                    referral_rows.push(Referral { from: d, to, category: c, requests: n, receiver_serves });
                }
            }
            let parts: Vec<(u32, f64)> = months
                .iter()
                .filter(|((dd, cc, _), _)| *dd == d32 && *cc == c8)
                .map(|(&(_, _, m), &n)| (m, n))
                .collect();
            if let Some(b) = merged_breakdown(parts, k) {
                let published: HashMap<u32, f64> = b.parts.iter().copied().collect();
                let mut rows: Vec<(u32, f64)> = b.parts;
                rows.sort_by_key(|r| r.0);
                for (month, n) in rows {
                    let before = month.checked_sub(12).and_then(|m| published.get(&m));
                    let change = before.map(|b| n - b);
                    let change_pct = before.filter(|b| **b > 0.0).map(|b| (n - b) / b * 100.0);
                    monthly.push(Monthly { desk: d, category: c, month: Some(month), requests: n, change, change_pct });
                }
                if b.other > 0.0 {
                    monthly.push(Monthly {
                        desk: d,
                        category: c,
                        month: None,
                        requests: b.other,
                        change: None,
                        change_pct: None,
                    });
                }
            }
        }
    }
    let desks = (0..d_count)
        .flat_map(|d| (0..c_count).map(move |c| (d, c)))
        .filter(|&(d, c)| desk_cells[d][c] > 0.0 || services[d].categories.contains(c))
        .map(|(d, c)| DeskNeed {
            desk: d,
            category: c,
            requests: desk_table.published(d, c),
            serves_category: services[d].categories.contains(c),
            referrals_received: referral_rows
                .iter()
                .filter(|r| r.to == Some(d) && r.category == c)
                .map(|r| r.requests)
                .sum(),
        })
        .collect();

    let decay = fit_decay(requests, &members, times, &flows, c_count);
    Ok(Needs {
        zones: zone_needs,
        flows: flow_rows,
        referrals: referral_rows,
        languages: language_rows,
        bypass_by_language,
        monthly,
        desks,
        decay,
        suppressed,
        zone_table,
        desk_table,
    })
}

/// Protects the zone and desk tables; a category total suppressed in one is
/// suppressed in the other (both publish the same totals), until they agree.
fn protect_linked(zone_cells: &[Vec<f64>], desk_cells: &[Vec<f64>], k: f64) -> (ProtectedTable, ProtectedTable) {
    let mut forced: Vec<usize> = Vec::new();
    loop {
        let zone_table =
            protect_table(zone_cells, k, &forced.iter().map(|&c| (zone_cells.len(), c)).collect::<Vec<_>>());
        let desk_table =
            protect_table(desk_cells, k, &forced.iter().map(|&c| (desk_cells.len(), c)).collect::<Vec<_>>());
        let hidden = |t: &ProtectedTable| -> Vec<usize> {
            let last = t.suppressed.len() - 1;
            (0..t.suppressed[last].len()).filter(|&c| t.suppressed[last][c]).collect()
        };
        let mut both: Vec<usize> = hidden(&zone_table);
        both.extend(hidden(&desk_table));
        both.sort_unstable();
        both.dedup();
        if both == hidden(&zone_table) && both == hidden(&desk_table) {
            return (zone_table, desk_table);
        }
        forced = both;
    }
}

/// Maximum likelihood of `beta` in `P(desk | zone, category) ∝ exp(-beta t)`
/// over the desks of the category in reach of the zone; Newton's method on
/// the concave log-likelihood.
fn fit_decay(
    requests: &Requests,
    members: &[Vec<usize>],
    times: &Times,
    flows: &HashMap<(u32, u8, u32), f64>,
    categories: usize,
) -> Option<DecayFit> {
    // per (zone, category) with a choice: the choice set's times (minutes) and the flows into it
    let mut groups: BTreeMap<(u32, u8), Vec<(f64, f64)>> = BTreeMap::new();
    for (&(z, c, d), &n) in flows {
        let _ = requests;
        let choice = &members[c as usize];
        if !choice.contains(&(d as usize)) || times.get(z as usize, d as usize).is_none() {
            continue;
        }
        groups.entry((z, c)).or_insert_with(|| {
            choice.iter().filter_map(|&j| times.get(z as usize, j)).map(|t| (t / 60.0, 0.0)).collect()
        });
        let t = times.get(z as usize, d as usize).map_or(0.0, |t| t / 60.0);
        if let Some(slot) = groups.get_mut(&(z, c)).and_then(|g| g.iter_mut().find(|s| s.0 == t && s.1 >= 0.0)) {
            slot.1 += n;
        }
    }
    let _ = categories;
    groups.retain(|_, g| g.len() > 1);
    let used: f64 = groups.values().flatten().map(|s| s.1).sum();
    if used == 0.0 {
        return None;
    }
    let mut beta = 1.0 / 15.0;
    let mut iterations = 0;
    let evaluate = |beta: f64| {
        let (mut ll, mut gradient, mut curvature) = (0.0, 0.0, 0.0);
        for choice in groups.values() {
            let least = choice.iter().map(|s| s.0).fold(f64::INFINITY, f64::min);
            let weights: Vec<f64> = choice.iter().map(|s| (-beta * (s.0 - least)).exp()).collect();
            let total: f64 = weights.iter().sum();
            let mean: f64 = choice.iter().zip(&weights).map(|(s, w)| s.0 * w).sum::<f64>() / total;
            let square: f64 = choice.iter().zip(&weights).map(|(s, w)| s.0 * s.0 * w).sum::<f64>() / total;
            let chosen: f64 = choice.iter().map(|s| s.1).sum();
            for (time, n) in choice {
                ll += n * (-beta * (time - least) - total.ln());
                gradient += n * (mean - time);
            }
            curvature += chosen * (square - mean * mean);
        }
        (ll, gradient, curvature)
    };
    let (mut ll, mut gradient, mut curvature) = evaluate(beta);
    while iterations < 100 {
        iterations += 1;
        if curvature <= 0.0 {
            return None;
        }
        let mut step = gradient / curvature;
        // halve the step until the likelihood does not fall
        let mut next = evaluate(beta + step);
        while next.0 < ll - 1e-9 && step.abs() > 1e-12 {
            step /= 2.0;
            next = evaluate(beta + step);
        }
        beta += step;
        (ll, gradient, curvature) = next;
        if step.abs() < 1e-10 {
            break;
        }
    }
    if !(beta.is_finite() && beta > 0.0 && curvature > 0.0) {
        return None;
    }
    let se_beta = 1.0 / curvature.sqrt();
    Some(DecayFit {
        beta_per_min: beta,
        decay_minutes: 1.0 / beta,
        standard_error_minutes: se_beta / (beta * beta),
        requests_used: used,
        log_likelihood: ll,
        iterations,
    })
}
