//! Supply that knows the opening hours: how much of a time window (e.g. the
//! evenings and Saturday mornings a worker can go) each desk is open.
//!
//! The window and the desks' hours are OpenStreetMap `opening_hours`
//! values, read as wall-clock times of Europe/Rome over one week (Monday to
//! Sunday); public holidays are not known, so `PH` rules never apply. A desk's
//! share is the hours it is open within the window over the hours of the
//! window; `unknown` hours count as closed.

use crate::error::{Error, Result};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use opening_hours::OpeningHours;
use opening_hours::RuleKind;
use std::ops::Range;

/// A time window over one week.
#[derive(Debug, Clone)]
pub struct Window {
    /// The window as given (OSM opening_hours syntax).
    pub text: String,
    /// The Monday the week starts on.
    pub monday: NaiveDate,
    open: Vec<Range<NaiveDateTime>>,
}

fn parse(text: &str, what: &str) -> Result<OpeningHours> {
    text.parse::<OpeningHours>()
        .map_err(|e| Error::parameter(what, format!("'{text}' is not an opening_hours value: {e}")))
}

/// The intervals of the week `monday..monday + 7 days` when `hours` say open.
fn open_intervals(hours: &OpeningHours, monday: NaiveDate) -> Vec<Range<NaiveDateTime>> {
    let start = monday.and_hms_opt(0, 0, 0).unwrap_or_default();
    let end = start + chrono::Duration::days(7);
    hours.iter_range(start, end).filter(|r| r.kind == RuleKind::Open).map(|r| r.range).collect()
}

/// Hours of `intervals`.
///
/// # Units
/// hours
fn hours_of(intervals: &[Range<NaiveDateTime>]) -> f64 {
    intervals.iter().map(|r| (r.end - r.start).num_seconds() as f64 / 3600.0).sum()
}

impl Window {
    /// The window `text` over the week that holds `week_of` (its Monday to Sunday).
    pub fn new(text: &str, week_of: NaiveDate) -> Result<Window> {
        let monday = week_of - chrono::Duration::days(i64::from(week_of.weekday().num_days_from_monday()));
        let open = open_intervals(&parse(text, "open_during")?, monday);
        if open.is_empty() {
            return Err(Error::parameter("open_during", format!("'{text}' is never open in the week of {monday}")));
        }
        Ok(Window { text: text.to_string(), monday, open })
    }

    /// Hours of the window in its week.
    ///
    /// # Units
    /// hours
    pub fn hours(&self) -> f64 {
        hours_of(&self.open)
    }

    /// Hours a desk with these `opening_hours` is open within the window.
    ///
    /// # Units
    /// hours
    pub fn open_hours(&self, opening_hours: &str) -> Result<f64> {
        let desk = open_intervals(&parse(opening_hours, "opening_hours")?, self.monday);
        let overlap: Vec<Range<NaiveDateTime>> = self
            .open
            .iter()
            .flat_map(|w| {
                desk.iter().filter_map(move |d| {
                    let (start, end) = (w.start.max(d.start), w.end.min(d.end));
                    (start < end).then_some(start..end)
                })
            })
            .collect();
        Ok(hours_of(&overlap))
    }

    /// The share of the window a desk is open, 0 to 1 (a desk with no hours
    /// given is taken as open whenever the window is).
    pub fn share(&self, opening_hours: &str) -> Result<f64> {
        if opening_hours.trim().is_empty() {
            return Ok(1.0);
        }
        Ok(self.open_hours(opening_hours)? / self.hours())
    }
}

/// Today's date in UTC, for the default week.
pub fn today() -> NaiveDate {
    let (year, month, day) = crate::needs::today();
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evening_and_saturday_window_by_hand() {
        // Wednesday 2026-11-25 lies in the week of Monday 2026-11-23
        let window =
            Window::new("Mo-Fr 17:00-20:00; Sa 09:00-13:00", NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()).unwrap();
        assert_eq!(window.monday, NaiveDate::from_ymd_opt(2026, 11, 23).unwrap());
        assert_eq!(window.hours(), 19.0); // 5 x 3 + 4
                                          // open till 18:30 on weekdays: 1.5 h a day in the window; closed on Saturday
        assert_eq!(window.open_hours("Mo-Fr 09:00-18:30").unwrap(), 7.5);
        assert_eq!(window.share("Mo-Fr 09:00-18:30").unwrap(), 7.5 / 19.0);
        // Tuesday and Thursday evenings and Saturday morning, with a break
        assert_eq!(window.open_hours("Tu,Th 16:00-21:00; Sa 10:00-12:00").unwrap(), 3.0 + 3.0 + 2.0);
        assert_eq!(window.share("Mo-Fr 09:00-13:00").unwrap(), 0.0);
        assert_eq!(window.share("").unwrap(), 1.0);
        assert!(Window::new("Mo-Fr 25:00-26:00", NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()).is_err());
        assert!(window.share("not hours").is_err());
    }
}
