//! What the desks' records say: flows, bypass, observed against modelled
//! access, unmet and referred requests, languages, months, and the distance
//! decay fitted to the flows.
//!
//! Every count leaving here comes from one tree, so that no two published
//! numbers can be subtracted to give back a small one ([`crate::privacy`]):
//!
//! 1. the zone × category table, protected with its totals (the only counts
//!    taken straight from the records);
//! 2. each published cell broken down by desk: the flows, parts below the
//!    minimum merged into "other";
//! 3. each published flow broken down, separately, by outcome (served,
//!    unmet, referred to each desk), by month and by language, small parts
//!    merged and never shown;
//! 4. everything else (outcomes, bypass and languages per zone, the
//!    referral network, desks, months) is a sum of published parts of level
//!    2 or 3: small flows and small parts are left out of it, never guessed.

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
    /// Flows are counted per period of this many months (12: calendar
    /// years; 1: months); over all the records when `None`.
    pub months_per_period: Option<u32>,
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
    /// Share of the requests that the published flows hold (the rest are in small flows, merged).
    pub in_published_flows: Option<f64>,
    /// E2SFCA accessibility (default steps) and gap score, as the accessibility job computes them.
    pub access: f64,
    pub gap_score: f64,
    /// Languages used by at least `k` requesters that no desk of the category within the served time speaks.
    pub languages_not_offered: Vec<String>,
}

/// Requests from a zone to a desk in a period (`None`: the other desks, or
/// the other periods, together).
#[derive(Debug, Clone)]
pub struct Flow {
    pub zone: usize,
    pub desk: Option<usize>,
    pub category: usize,
    /// The first month of the period (months since year 0); `None` for all
    /// the records, and for "other": the requests in no published flow.
    pub period: Option<u32>,
    pub requests: f64,
    /// Minutes; `None` for "other" or out of reach.
    pub travel_min: Option<f64>,
}

/// Referrals from a desk to a desk (sums of the published parts).
#[derive(Debug, Clone)]
pub struct Referral {
    pub from: usize,
    pub to: usize,
    pub category: usize,
    pub requests: f64,
    /// Whether the receiving desk lists the category.
    pub receiver_serves: bool,
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

/// Requests at a desk in a month (sums of the published parts).
#[derive(Debug, Clone)]
pub struct Monthly {
    pub desk: usize,
    pub category: usize,
    pub month: u32,
    pub requests: f64,
    /// Against the same month a year earlier, when both are published.
    pub change: Option<f64>,
    pub change_pct: Option<f64>,
}

/// One desk and category (sums of the published flows and parts).
#[derive(Debug, Clone)]
pub struct DeskNeed {
    pub desk: usize,
    pub category: usize,
    pub requests: f64,
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
    /// Counts suppressed in the zone × category table (cells and totals).
    pub suppressed: usize,
    pub zone_table: ProtectedTable,
}

fn add<K: std::hash::Hash + Eq>(map: &mut HashMap<K, f64>, key: K) {
    *map.entry(key).or_insert(0.0) += 1.0;
}

/// A part of a flow by outcome: served, unmet, or referred to a desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Fate {
    Served,
    Unmet,
    ReferredTo(u32),
}

/// Each flow's parts (level 3), by flow.
type Parts<K> = HashMap<(u32, u8, u32), Vec<(K, f64)>>;

fn push_part<K>(parts: &mut Parts<K>, flow: (u32, u8, u32), key: K) {
    let list = parts.entry(flow).or_default();
    list.push((key, 1.0));
}

/// Counts a list of single-request parts into one count per key.
fn counted<K: std::hash::Hash + Eq + Copy>(parts: Vec<(K, f64)>) -> Vec<(K, f64)> {
    let mut counts: HashMap<K, f64> = HashMap::new();
    for (key, n) in parts {
        *counts.entry(key).or_insert(0.0) += n;
    }
    counts.into_iter().collect()
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
    // a request bypasses when its desk is farther than the category's nearest (or out of reach)
    let bypasses = |z: usize, c: usize, d: usize| match (times.get(z, d), nearest[z * c_count + c]) {
        (Some(t), Some(best)) => t > best + 1e-6,
        (None, _) => true,
        (Some(_), None) => false,
    };

    // one pass over the records
    let mut zone_cells = vec![vec![0.0; c_count]; z_count];
    let mut flows: HashMap<(u32, u8, u32), f64> = HashMap::new();
    let mut fates: Parts<Fate> = HashMap::new();
    let mut months: Parts<u32> = HashMap::new();
    let mut languages: Parts<u16> = HashMap::new();
    for i in 0..requests.len() {
        let (z, d, c) = (requests.zone[i], requests.desk[i], requests.category[i]);
        zone_cells[z as usize][c as usize] += 1.0;
        add(&mut flows, (z, c, d));
        let fate = match (requests.outcome[i], requests.referred_to[i]) {
            (Outcome::Referred, Some(to)) => Fate::ReferredTo(to),
            (Outcome::Unmet, _) => Fate::Unmet,
            _ => Fate::Served,
        };
        push_part(&mut fates, (z, c, d), fate);
        push_part(&mut months, (z, c, d), requests.month[i]);
        push_part(&mut languages, (z, c, d), requests.language[i]);
    }

    // level 1: the zone × category table with its totals
    let zone_table = protect_table(&zone_cells, k, &[]);
    let suppressed = zone_table.suppressed.iter().flatten().filter(|s| **s).count();

    // level 2: each published cell by desk
    let mut flow_parts: HashMap<(u32, u8), Vec<(u32, f64)>> = HashMap::new();
    for (&(z, c, d), &n) in &flows {
        flow_parts.entry((z, c)).or_default().push((d, n));
    }
    let mut published_flows: Vec<((u32, u8, u32), f64)> = Vec::new();
    for ((z, c), parts) in flow_parts {
        if zone_table.published(z as usize, c as usize).is_none() {
            continue;
        }
        if let Some(b) = merged_breakdown(parts, k) {
            published_flows.extend(b.parts.into_iter().map(|(d, n)| ((z, c, d), n)));
        }
    }
    published_flows.sort_by_key(|f| f.0);

    // level 3: each published flow by outcome, month and language; sums of the published parts
    let mut fate_sums: HashMap<(u32, u8), [f64; 3]> = HashMap::new();
    let mut network: BTreeMap<(u32, u8, u32), f64> = BTreeMap::new();
    let mut month_sums: BTreeMap<(u32, u8, u32), f64> = BTreeMap::new();
    let mut period_sums: BTreeMap<(u32, u8, u32, u32), f64> = BTreeMap::new();
    let mut language_sums: BTreeMap<(u32, u8, u16), f64> = BTreeMap::new();
    let mut language_bypass: BTreeMap<(u8, u16), (f64, f64)> = BTreeMap::new();
    for &(flow, _) in &published_flows {
        let (z, c, d) = flow;
        if let Some(b) = fates.remove(&flow).and_then(|p| merged_breakdown(counted(p), k)) {
            for (fate, n) in b.parts {
                let sums = fate_sums.entry((z, c)).or_insert([0.0; 3]);
                match fate {
                    Fate::Served => sums[0] += n,
                    Fate::ReferredTo(to) => {
                        sums[1] += n;
                        *network.entry((d, c, to)).or_insert(0.0) += n;
                    }
                    Fate::Unmet => sums[2] += n,
                }
            }
        }
        if let Some(b) = months.remove(&flow).and_then(|p| merged_breakdown(counted(p), k)) {
            for (month, n) in b.parts {
                *month_sums.entry((d, c, month)).or_insert(0.0) += n;
                if let Some(every) = settings.months_per_period {
                    *period_sums.entry((z, c, d, month / every * every)).or_insert(0.0) += n;
                }
            }
        }
        if let Some(b) = languages.remove(&flow).and_then(|p| merged_breakdown(counted(p), k)) {
            let bypassed = bypasses(z as usize, c as usize, d as usize);
            for (language, n) in b.parts {
                *language_sums.entry((z, c, language)).or_insert(0.0) += n;
                let entry = language_bypass.entry((c, language)).or_insert((0.0, 0.0));
                entry.0 += n;
                if bypassed {
                    entry.1 += n;
                }
            }
        }
    }

    let (access, gap_score) = modelled(zones, times, services, &members, settings)?;

    // flows: per desk over all records, or per desk and period from the months' parts
    let mut flow_rows = Vec::new();
    for &((z, c, d), n) in &published_flows {
        let (zu, cu, du) = (z as usize, c as usize, d as usize);
        let travel_min = times.get(zu, du).map(|t| t / 60.0);
        if settings.months_per_period.is_none() {
            flow_rows.push(Flow { zone: zu, desk: Some(du), category: cu, period: None, requests: n, travel_min });
        }
    }
    for (&(z, c, d, period), &n) in &period_sums {
        let (zu, cu, du) = (z as usize, c as usize, d as usize);
        let travel_min = times.get(zu, du).map(|t| t / 60.0);
        flow_rows.push(Flow { zone: zu, desk: Some(du), category: cu, period: Some(period), requests: n, travel_min });
    }
    // "other": what the cell holds beyond the rows shown (derived from published numbers)
    let mut shown: HashMap<(usize, usize), f64> = HashMap::new();
    for f in &flow_rows {
        *shown.entry((f.zone, f.category)).or_insert(0.0) += f.requests;
    }
    for z in 0..z_count {
        for c in 0..c_count {
            let rest = zone_table.published(z, c).unwrap_or(0.0) - shown.get(&(z, c)).copied().unwrap_or(0.0);
            if zone_table.published(z, c).is_some() && rest > 0.0 {
                flow_rows.push(Flow {
                    zone: z,
                    desk: None,
                    category: c,
                    period: None,
                    requests: rest,
                    travel_min: None,
                });
            }
        }
    }

    // zones
    let mut in_flows: HashMap<(u32, u8), (f64, f64, f64)> = HashMap::new(); // all, bypassing, extra minutes x requests
    for &((z, c, d), n) in &published_flows {
        let (zu, cu, du) = (z as usize, c as usize, d as usize);
        let entry = in_flows.entry((z, c)).or_insert((0.0, 0.0, 0.0));
        entry.0 += n;
        if bypasses(zu, cu, du) {
            entry.1 += n;
            if let (Some(t), Some(best)) = (times.get(zu, du), nearest[zu * c_count + cu]) {
                entry.2 += n * (t - best) / 60.0;
            }
        }
    }
    let mut language_rows = Vec::new();
    let mut zone_needs = Vec::new();
    for z in 0..z_count {
        for (c, desks_of_c) in members.iter().enumerate() {
            let i = z * c_count + c;
            let published = zone_table.published(z, c);
            let key = (z as u32, c as u8);
            let mut need = ZoneNeed {
                zone: z,
                category: c,
                requests: published,
                rate_per_1000: published
                    .filter(|_| zones.population[z] > 0.0)
                    .map(|n| n / zones.population[z] * 1000.0),
                nearest_min: nearest[i].map(|t| t / 60.0),
                access: access[i],
                gap_score: gap_score[i],
                ..Default::default()
            };
            if let Some(&(all, bypassing, extra)) = in_flows.get(&key) {
                need.in_published_flows = published.filter(|n| *n > 0.0).map(|n| all / n);
                need.bypassing = Some(bypassing);
                need.bypass_share = Some(bypassing / all);
                need.bypass_extra_min =
                    (bypassing > 0.0).then(|| extra / bypassing).filter(|m| m.is_finite() && *m > 0.0);
                let sums = fate_sums.get(&key).copied().unwrap_or_default();
                (need.served, need.referred, need.unmet) = (Some(sums[0]), Some(sums[1]), Some(sums[2]));
            }
            let mut shown = 0.0;
            for (&(_, _, l), &n) in language_sums.range((z as u32, c as u8, 0)..=(z as u32, c as u8, u16::MAX)) {
                let code = &requests.languages[l as usize];
                let offered = desks_of_c.iter().any(|&d| {
                    times.get(z, d).is_some_and(|t| t <= settings.served_within_s)
                        && services[d].languages.iter().any(|s| s == code)
                });
                if !offered {
                    need.languages_not_offered.push(code.clone());
                }
                shown += n;
                language_rows.push(LanguageNeed {
                    zone: z,
                    category: c,
                    language: Some(code.clone()),
                    requests: n,
                    offered: Some(offered),
                });
            }
            if let Some(rest) = published.map(|n| n - shown).filter(|rest| *rest > 0.0) {
                language_rows.push(LanguageNeed {
                    zone: z,
                    category: c,
                    language: None,
                    requests: rest,
                    offered: None,
                });
            }
            zone_needs.push(need);
        }
    }

    let bypass_by_language = language_bypass
        .into_iter()
        .map(|((c, l), (all, bypassing))| LanguageBypass {
            category: c as usize,
            language: requests.languages[l as usize].clone(),
            requests: Some(all),
            bypassing: Some(bypassing),
            share: Some(bypassing / all),
        })
        .collect();
    let referrals: Vec<Referral> = network
        .into_iter()
        .map(|((from, c, to), n)| Referral {
            from: from as usize,
            to: to as usize,
            category: c as usize,
            requests: n,
            receiver_serves: services[to as usize].categories.contains(c as usize),
        })
        .collect();
    let monthly = month_sums
        .iter()
        .map(|(&(d, c, month), &n)| {
            let before = month.checked_sub(12).and_then(|m| month_sums.get(&(d, c, m)));
            Monthly {
                desk: d as usize,
                category: c as usize,
                month,
                requests: n,
                change: before.map(|b| n - b),
                change_pct: before.filter(|b| **b > 0.0).map(|b| (n - b) / b * 100.0),
            }
        })
        .collect();
    let mut desk_sums: BTreeMap<(usize, usize), (f64, f64)> = BTreeMap::new();
    for &((_, c, d), n) in &published_flows {
        desk_sums.entry((d as usize, c as usize)).or_insert((0.0, 0.0)).0 += n;
    }
    for r in &referrals {
        desk_sums.entry((r.to, r.category)).or_insert((0.0, 0.0)).1 += r.requests;
    }
    for (d, service) in services.iter().enumerate() {
        for c in (0..c_count).filter(|&c| service.categories.contains(c)) {
            desk_sums.entry((d, c)).or_insert((0.0, 0.0));
        }
    }
    let desks = desk_sums
        .into_iter()
        .map(|((d, c), (requests, received))| DeskNeed {
            desk: d,
            category: c,
            requests,
            serves_category: services[d].categories.contains(c),
            referrals_received: received,
        })
        .collect();

    let merged: HashMap<(u32, u8), f64> = flow_rows
        .iter()
        .filter(|f| f.desk.is_none())
        .map(|f| ((f.zone as u32, f.category as u8), f.requests))
        .collect();
    let decay = fit_decay(&members, times, &published_flows, &merged).filter(|fit| fit.requests_used >= k);
    Ok(Needs {
        zones: zone_needs,
        flows: flow_rows,
        referrals,
        languages: language_rows,
        bypass_by_language,
        monthly,
        desks,
        decay,
        suppressed,
        zone_table,
    })
}

/// E2SFCA accessibility (default steps) and gap score per zone and
/// category, as the accessibility job computes them, for the observed rates
/// to be read beside.
fn modelled(
    zones: &Zones,
    times: &Times,
    services: &[Service],
    members: &[Vec<usize>],
    settings: &Settings,
) -> Result<(Vec<f64>, Vec<f64>)> {
    let (z_count, c_count) = (zones.population.len(), settings.categories);
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
    Ok((access, gap_score))
}

/// One zone and category's choice of desk, as published: the travel times
/// of the desks it could choose (minutes) and the requests of each chosen
/// alternative (a published flow's desk, or the merged rest as one).
struct Choice {
    times_min: Vec<f64>,
    /// `(desks of the alternative as indices into times_min, requests)`.
    alternatives: Vec<(Vec<usize>, f64)>,
}

/// Maximum likelihood of `beta` in `P(desk | zone, category) ∝ exp(-beta t)`
/// over the desks of the category in reach of the zone, from the published
/// flows only (so that the fit gives no merged flow back): each published
/// flow is one alternative, and the requests in no published flow ("other")
/// are one alternative made of the desks without a published flow. Keeping
/// them, rather than dropping them, keeps the far desks' small flows in the
/// likelihood; dropping them would make the decay look steeper than it is.
/// Newton's method with step halving.
fn fit_decay(
    members: &[Vec<usize>],
    times: &Times,
    flows: &[((u32, u8, u32), f64)],
    other: &HashMap<(u32, u8), f64>,
) -> Option<DecayFit> {
    let mut published: BTreeMap<(u32, u8), Vec<(usize, f64)>> = BTreeMap::new();
    for &((z, c, d), n) in flows {
        published.entry((z, c)).or_default().push((d as usize, n));
    }
    for &key in other.keys() {
        published.entry(key).or_default();
    }
    let mut choices = Vec::new();
    for ((z, c), shown) in published {
        let reachable: Vec<(usize, f64)> =
            members[c as usize].iter().filter_map(|&d| times.get(z as usize, d).map(|t| (d, t / 60.0))).collect();
        if reachable.len() < 2 {
            continue;
        }
        let mut alternatives = Vec::new();
        let mut rest: Vec<usize> = Vec::new();
        for (i, &(d, _)) in reachable.iter().enumerate() {
            match shown.iter().find(|s| s.0 == d) {
                Some(&(_, n)) => alternatives.push((vec![i], n)),
                None => rest.push(i),
            }
        }
        let merged = other.get(&(z, c)).copied().unwrap_or(0.0);
        if !rest.is_empty() && merged > 0.0 {
            alternatives.push((rest, merged));
        }
        if alternatives.iter().map(|a| a.1).sum::<f64>() > 0.0 {
            choices.push(Choice { times_min: reachable.iter().map(|r| r.1).collect(), alternatives });
        }
    }
    let used: f64 = choices.iter().flat_map(|c| &c.alternatives).map(|a| a.1).sum();
    if used == 0.0 {
        return None;
    }
    // log of sum of exp(-beta t) over a set, its mean and variance of t
    let moments = |times: &[f64], set: &mut dyn Iterator<Item = usize>, beta: f64, least: f64| {
        let (mut total, mut first, mut second) = (0.0, 0.0, 0.0);
        for i in set {
            let w = (-beta * (times[i] - least)).exp();
            total += w;
            first += w * times[i];
            second += w * times[i] * times[i];
        }
        let mean = first / total;
        (total.ln() - beta * least, mean, second / total - mean * mean)
    };
    let evaluate = |beta: f64| {
        let (mut ll, mut gradient, mut curvature) = (0.0, 0.0, 0.0);
        for choice in &choices {
            let least = choice.times_min.iter().copied().fold(f64::INFINITY, f64::min);
            let (log_all, mean_all, variance_all) =
                moments(&choice.times_min, &mut (0..choice.times_min.len()), beta, least);
            let chosen: f64 = choice.alternatives.iter().map(|a| a.1).sum();
            for (desks, n) in &choice.alternatives {
                let (log_set, mean_set, variance_set) =
                    moments(&choice.times_min, &mut desks.iter().copied(), beta, least);
                ll += n * (log_set - log_all);
                gradient += n * (mean_all - mean_set);
                curvature -= n * variance_set;
            }
            curvature += chosen * variance_all;
        }
        (ll, gradient, curvature)
    };
    let mut beta = 1.0 / 15.0;
    let mut iterations = 0;
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
