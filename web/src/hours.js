// Opening hours of the desks, evaluated with the npm `opening_hours` library (~800 KB:
// the holiday tables of every country). It runs in a Web Worker (hours-worker.js), so
// that neither loading the library nor evaluating the hours blocks the page; where a
// module worker cannot start, main.js imports this module itself (same answers).
//
// Times cross the worker boundary as "wall" numbers: Date.UTC of the Europe/Rome
// wall-clock fields (main.js builds local Dates whose fields are the Rome fields, and
// the library evaluates local fields), so the answer does not depend on the zone the
// worker runs in.
import OpeningHours from 'opening_hours';

const NOMINATIM = { lat: 45.44, lon: 12.33, address: { country_code: 'it', state: 'Veneto' } };

export const toWall = (d) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds());
export function fromWall(ms) {
  const d = new Date(ms);
  return new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}
const dayStart = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
const addDays = (d, n) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n, d.getHours(), d.getMinutes());

// one parsed rule set per distinct opening_hours text; null: none or invalid
const parsed = new Map();
function hoursOf(text) {
  if (!text) return null;
  if (!parsed.has(text)) {
    let oh = null;
    try { oh = new OpeningHours(text, NOMINATIM, { locale: 'en' }); } catch { oh = null; }
    parsed.set(text, oh);
  }
  return parsed.get(text);
}

// q = { now: wall, at: wall | null, desks: [[id, text], …], week: [id, text] | null }
// -> { now, status: { id: [open, nextChange wall | null] | null (unknown) },
//      open: { id: open at q.at } (when q.at is given),
//      week: [7 × ([[from, to] wall, …] | null)] for q.week, from today }
export function evaluate(q) {
  const n = fromWall(q.now);
  const at = q.at == null ? null : fromWall(q.at);
  const status = {}, open = {};
  for (const [id, text] of q.desks) {
    const oh = hoursOf(text);
    if (at) {
      let o = false;
      if (oh) try { o = oh.getState(at); } catch { o = false; }
      open[id] = o;
    }
    if (!oh) { status[id] = null; continue; }
    try {
      const state = oh.getState(n);
      const next = oh.getNextChange(n, addDays(n, 8));
      status[id] = [state, next ? toWall(next) : null];
    } catch { status[id] = null; }
  }
  let week = null;
  if (q.week) {
    const oh = hoursOf(q.week[1]);
    week = [];
    for (let i = 0; i < 7; i++) {
      const day = addDays(dayStart(n), i);
      let h = null;
      if (oh) {
        try {
          h = oh.getOpenIntervals(dayStart(day), addDays(dayStart(day), 1)).map(([a, b]) => [toWall(a), toWall(b)]);
        } catch { h = null; }
      }
      week.push(h);
    }
  }
  return { now: q.now, status, open, week };
}
