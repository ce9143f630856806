"""OpenStreetMap ``opening_hours`` and weekly schedules (HSDS / RFC 5545 rules
``FREQ=WEEKLY;BYDAY=..`` with an opening and a closing time).

What a week of recurring rules expresses: rules ``DAYS HH:MM-HH:MM[,HH:MM-HH:MM]``,
``DAYS off``, ``DAYS`` alone (all day), times alone (every day) and ``24/7``,
each later rule replacing the hours of the days it names (the OSM rule). Any
other rule (public holidays ``PH``, school holidays ``SH``, months, dates,
week numbers, the n-th weekday of a month, sunrise/sunset, open ends,
comments, fallback ``||`` or additional ``,`` rules, times past midnight)
is returned as not expressible, so callers report it; it is never dropped
silently.

A week is ``{day: [(open_minute, close_minute), ...]}``, days 0 (Monday) to 6.
"""

from __future__ import annotations

import re

DAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
#: RFC 5545 day codes, as HSDS ``byday`` writes them.
RRULE_DAYS = tuple(day.upper() for day in DAYS)
MINUTES_PER_DAY = 24 * 60

_DAY = "(?:" + "|".join(DAYS) + ")"
_DAY_SELECTOR = re.compile(rf"^{_DAY}(?:-{_DAY})?(?:,{_DAY}(?:-{_DAY})?)*$")
_SPAN = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")


def _days(selector: str) -> list:
    days: list = []
    for part in selector.split(","):
        first, _, last = part.partition("-")
        start, end = DAYS.index(first), DAYS.index(last or first)
        days += [d % 7 for d in range(start, end + 1 if end >= start else end + 8)]
    return days


def _minutes(hours: str, minutes: str) -> int:
    return int(hours) * 60 + int(minutes)


def _spans(text: str):
    """``09:00-12:30,14:00-18:00`` as minute pairs, or None when not plain same-day spans."""
    spans = []
    for part in text.split(","):
        match = _SPAN.match(part.strip())
        if not match:
            return None
        opens, closes = _minutes(*match.group(1, 2)), _minutes(*match.group(3, 4))
        if not opens < closes <= MINUTES_PER_DAY:
            return None
        spans.append((opens, closes))
    return spans


def _rule(rule: str):
    """``(days, spans)`` of one rule (spans ``[]`` when off), or None when a week cannot say it."""
    if rule == "24/7":
        return list(range(7)), [(0, MINUTES_PER_DAY)]
    selector, _, rest = rule.partition(" ")
    if not _DAY_SELECTOR.match(selector):
        spans = _spans(rule)  # times alone: every day
        return (list(range(7)), spans) if spans else None
    rest = rest.strip()
    if rest in ("off", "closed"):
        return _days(selector), []
    spans = _spans(rest) if rest else [(0, MINUTES_PER_DAY)]
    return (_days(selector), spans) if spans else None


def week_of(opening_hours: str) -> tuple:
    """``(week, not_expressible)``: the week the expressible rules give, and the rules (as written)
    that a week of recurring rules cannot say. A value holding ``||`` is not expressible as a whole."""
    week: dict = {day: [] for day in range(7)}
    text = opening_hours.strip()
    if not text:
        return week, []
    if "||" in text:
        return week, [text]
    skipped = []
    for rule in (r.strip() for r in text.split(";")):
        parsed = _rule(rule) if rule else ([], [])
        if parsed is None:
            skipped.append(rule)
            continue
        for day in parsed[0]:
            week[day] = sorted(parsed[1])
    return week, skipped


def _time(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _minute(text: str) -> int:
    match = re.match(r"^(\d{1,2}):(\d{2})(?::\d{2})?", text.strip())
    if not match or _minutes(*match.groups()) > MINUTES_PER_DAY:
        raise ValueError(f"'{text}' is not a time HH:MM")
    return _minutes(*match.groups())


def schedules_of(week: dict) -> list:
    """One weekly rule per distinct opening span: ``{"byday": "MO,TU", "opens_at": "09:00",
    "closes_at": "12:30"}``, ordered by first day then time (a lunch closure gives two)."""
    by_span: dict = {}
    for day in range(7):
        for span in week[day]:
            by_span.setdefault(span, []).append(day)
    ordered = sorted(by_span.items(), key=lambda item: (item[1][0], item[0]))
    return [{"byday": ",".join(RRULE_DAYS[d] for d in days), "opens_at": _time(span[0]), "closes_at": _time(span[1])}
            for span, days in ordered]


def week_from_schedules(schedules: list) -> tuple:
    """``(week, not_expressible)`` from HSDS schedules; a schedule that is not a plain weekly rule
    with days and times (an interval, week numbers, month days, n-th weekdays, validity dates) is
    returned in ``not_expressible`` as ``(schedule, why)``."""
    week: dict = {day: [] for day in range(7)}
    skipped = []
    for schedule in schedules:
        freq = schedule.get("freq") or "WEEKLY"
        extra = [key for key in ("byweekno", "bymonthday", "byyearday", "valid_from", "valid_to", "until", "count")
                 if schedule.get(key) not in (None, "")]
        days = [d.strip().upper() for d in (schedule.get("byday") or ",".join(RRULE_DAYS)).split(",") if d.strip()]
        if freq != "WEEKLY" or float(schedule.get("interval") or 1) != 1 or extra:
            why = f"freq {freq}" if freq != "WEEKLY" else (f"interval {schedule['interval']}" if not extra
                                                           else "fields " + ", ".join(extra))
            skipped.append((schedule, why))
            continue
        if any(d not in RRULE_DAYS for d in days) or not schedule.get("opens_at") or not schedule.get("closes_at"):
            skipped.append((schedule, "not a weekly rule with plain days (MO..SU), opens_at and closes_at"))
            continue
        try:
            span = (_minute(schedule["opens_at"]), _minute(schedule["closes_at"]))
        except ValueError as error:
            skipped.append((schedule, str(error)))
            continue
        if not span[0] < span[1]:
            skipped.append((schedule, "closes_at is not after opens_at (past midnight)"))
            continue
        for day in days:
            week[RRULE_DAYS.index(day)].append(span)
    return {day: _merged(spans) for day, spans in week.items()}, skipped


def _merged(spans: list) -> list:
    merged: list = []
    for opens, closes in sorted(spans):
        if merged and opens <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(closes, merged[-1][1]))
        else:
            merged.append((opens, closes))
    return merged


def _day_selector(days: list) -> str:
    runs: list = []
    for day in days:
        if runs and day == runs[-1][1] + 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    return ",".join(DAYS[a] if a == b else f"{DAYS[a]}{',' if b == a + 1 else '-'}{DAYS[b]}" for a, b in runs)


def opening_hours_of(week: dict) -> str:
    """The OSM ``opening_hours`` of a week: days with the same spans in one rule (``Mo-Fr
    09:00-12:30,14:00-18:00; Sa 09:00-12:00``), ``24/7`` when always open, empty when never."""
    if all(week[d] == [(0, MINUTES_PER_DAY)] for d in range(7)):
        return "24/7"
    groups: dict = {}
    for day in range(7):
        if week[day]:
            groups.setdefault(tuple(week[day]), []).append(day)
    rules = sorted(groups.items(), key=lambda item: item[1][0])
    return "; ".join(f"{_day_selector(days)} {','.join(f'{_time(a)}-{_time(b)}' for a, b in spans)}"
                     for spans, days in rules)
