//! One `opening_hours` value on its own: whether it parses, and the week it
//! describes in words, in the seven languages of the vocabulary's labels.
//!
//! The words are the open times of one week (Monday to Sunday), days with the
//! same times together: `Mo-Fr 09:00-13:00; Tu,Th 14:30-16:30` reads in
//! English "Monday, Wednesday, Friday 09:00–13:00; Tuesday, Thursday
//! 09:00–13:00, 14:30–16:30". Rules tied to dates or public holidays show as
//! they apply in that week; `unknown` times count as closed.

use crate::error::{Error, Result};
use chrono::{Datelike, NaiveDate, NaiveTime};
use opening_hours::{OpeningHours, RuleKind};

/// Day names, Monday first, the word for a week with no open time, and the
/// separators of days (within a group) and of groups, per language.
struct Words {
    language: &'static str,
    days: [&'static str; 7],
    closed: &'static str,
    day_separator: &'static str,
    group_separator: &'static str,
}

const WORDS: [Words; 7] = [
    Words {
        language: "it",
        days: ["lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica"],
        closed: "chiuso",
        day_separator: ", ",
        group_separator: "; ",
    },
    Words {
        language: "en",
        days: ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
        closed: "closed",
        day_separator: ", ",
        group_separator: "; ",
    },
    Words {
        language: "fr",
        days: ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
        closed: "fermé",
        day_separator: ", ",
        group_separator: " ; ",
    },
    Words {
        language: "ar",
        days: ["الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت", "الأحد"],
        closed: "مغلق",
        day_separator: "، ",
        group_separator: "؛ ",
    },
    Words {
        language: "bn",
        days: ["সোমবার", "মঙ্গলবার", "বুধবার", "বৃহস্পতিবার", "শুক্রবার", "শনিবার", "রবিবার"],
        closed: "বন্ধ",
        day_separator: ", ",
        group_separator: "; ",
    },
    Words {
        language: "uk",
        days: ["понеділок", "вівторок", "середа", "четвер", "пʼятниця", "субота", "неділя"],
        closed: "зачинено",
        day_separator: ", ",
        group_separator: "; ",
    },
    Words {
        language: "zh",
        days: ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"],
        closed: "关闭",
        day_separator: "、",
        group_separator: "；",
    },
];

/// Why an `opening_hours` value does not parse, or `None` when it does. An
/// empty value parses: the catalogue field is optional. A syntax error names
/// the character where the value stops making sense and what follows; other
/// errors (a number out of range) are the parser's own words.
pub fn problem(opening_hours: &str) -> Option<String> {
    let text = opening_hours.trim();
    if text.is_empty() {
        return None;
    }
    let error = text.parse::<OpeningHours>().err()?.to_string();
    // a syntax error reads " --> LINE:COLUMN" then the value marked and the grammar's expectations
    let column =
        error.lines().next().and_then(|l| l.trim().strip_prefix("--> 1:")).and_then(|c| c.parse::<usize>().ok());
    Some(match column {
        Some(column) => {
            let rest: String = text.chars().skip(column.saturating_sub(1)).collect();
            if rest.is_empty() {
                format!("incomplete at character {column}")
            } else {
                format!("not understood from character {column}: '{rest}'")
            }
        }
        None => error.lines().next().unwrap_or("").to_string(),
    })
}

/// Parses one `opening_hours` value; the error names the field and says why (see [`problem`]).
pub fn parse(opening_hours: &str) -> Result<OpeningHours> {
    opening_hours.trim().parse().map_err(|_| {
        let why = problem(opening_hours).unwrap_or_else(|| "it is empty".to_string());
        Error::parameter("opening_hours", format!("'{opening_hours}' is not an opening_hours value: {why}"))
    })
}

/// The open times of one day, as `HH:MM–HH:MM` (the end of the day as 24:00).
fn day_times(hours: &OpeningHours, day: NaiveDate) -> Vec<String> {
    let start = day.and_time(NaiveTime::MIN);
    let end = start + chrono::Duration::days(1);
    let clock = |t: chrono::NaiveDateTime| if t >= end { "24:00".to_string() } else { t.format("%H:%M").to_string() };
    hours
        .iter_range(start, end)
        .filter(|r| r.kind == RuleKind::Open)
        .map(|r| format!("{}–{}", clock(r.range.start.max(start)), clock(r.range.end.min(end))))
        .collect()
}

/// The week of `week_of` (Monday to Sunday) of these `opening_hours` in
/// words in `language` (it, en, fr, ar, bn, uk, zh). Errors name the field
/// or the parameter: an unparsable value, an unknown language.
pub fn describe(opening_hours: &str, language: &str, week_of: NaiveDate) -> Result<String> {
    let words = WORDS.iter().find(|w| w.language == language).ok_or_else(|| {
        let known: Vec<&str> = WORDS.iter().map(|w| w.language).collect();
        Error::parameter("language", format!("'{language}' is not one of {}", known.join(", ")))
    })?;
    let hours = parse(opening_hours)?;
    let monday = week_of - chrono::Duration::days(i64::from(week_of.weekday().num_days_from_monday()));
    // days with the same times, in the order of their first day
    let mut groups: Vec<(Vec<String>, Vec<usize>)> = Vec::new();
    for day in 0..7 {
        let times = day_times(&hours, monday + chrono::Duration::days(day as i64));
        if times.is_empty() {
            continue;
        }
        match groups.iter_mut().find(|(t, _)| *t == times) {
            Some((_, days)) => days.push(day),
            None => groups.push((times, vec![day])),
        }
    }
    if groups.is_empty() {
        return Ok(words.closed.to_string());
    }
    let text: Vec<String> = groups
        .iter()
        .map(|(times, days)| {
            let days: Vec<&str> = days.iter().map(|d| words.days[*d]).collect();
            format!("{} {}", days.join(words.day_separator), times.join(", "))
        })
        .collect();
    Ok(text.join(words.group_separator))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 2).unwrap()
    }

    #[test]
    fn problems_of_single_values() {
        assert_eq!(problem(""), None);
        assert_eq!(problem("Mo-Fr 09:00-13:00"), None);
        assert_eq!(problem("Mo-Fr 25:00").unwrap(), "not understood from character 7: '25:00'");
        assert_eq!(problem("Mo-Fr 09:00-").unwrap(), "incomplete at character 13");
        assert!(problem("sometimes").is_some());
    }

    #[test]
    fn a_week_in_words_by_hand() {
        let hours = "Mo-Fr 09:00-12:30; Tu,Th 09:00-12:30,14:30-16:30";
        assert_eq!(
            describe(hours, "en", week()).unwrap(),
            "Monday, Wednesday, Friday 09:00–12:30; Tuesday, Thursday 09:00–12:30, 14:30–16:30"
        );
        assert_eq!(describe("Sa 09:00-12:00", "it", week()).unwrap(), "sabato 09:00–12:00");
        assert_eq!(describe("24/7", "zh", week()).unwrap().matches("00:00–24:00").count(), 1);
        assert_eq!(describe("Mo-Fr 22:00-02:00", "en", week()).unwrap().split("; ").count(), 3);
        assert_eq!(describe("off", "fr", week()).unwrap(), "fermé");
        assert!(describe("Mo-Fr 09:00-13:00", "de", week()).is_err());
        assert!(describe("Mo-Fr 25:00", "en", week()).is_err());
    }
}
