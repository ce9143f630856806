// The CapaCityMetro "bussola": find a service desk, sorted by travel time.
// Static page: reads data/meta.json, data/services.geojson and lazily the
// per-category travel-time grids data/times/<category>.bin (see README.md).
// Nothing the person types or where they are ever leaves the device.
import 'leaflet/dist/leaflet.css';
import UI from '../../styles/ui.json'; // the one source of UI strings, beside styles/categories.json
import './app.css';

// Leaflet (~150 KB) is not needed to show the list: it is loaded with import() (a
// separate chunk, see build.mjs) once the map is on screen or near it. The opening
// hours (the `opening_hours` library, ~800 KB) are evaluated in a module worker
// (hours-worker.js), started once the list is on screen, or at once when the URL asks
// for an opening-time filter or a desk's card: the main thread never runs the library.
let L = null;
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));
// Work that is not on screen: when the browser is idle (a timeout where it has no
// requestIdleCallback).
const idle = (fn) => ('requestIdleCallback' in window ? requestIdleCallback(fn, { timeout: 1500 }) : setTimeout(fn, 50));

const RTL = new Set(['ar', 'fa', 'he', 'ur']);
const TZ = 'Europe/Rome';
const $ = (sel) => document.querySelector(sel);

const S = {
  meta: null, services: [], byId: new Map(), grids: new Map(),
  lang: 'it', cat: null, when: 'any', day: 1, time: '10:00', langs: [],
  noappt: false, stepfree: false, desk: null, far: false,
  pos: null, sharePos: false, map: null, markers: new Map(), posMarker: null,
  placeActive: -1, placeMatches: [], wmsOn: [], wmsLayers: new Map(), layersControl: null,
};

// ---------------------------------------------------------------- strings
function t(key, vars) {
  const ui = S.meta && S.meta.ui;
  let s = (ui && ui[S.lang] && ui[S.lang][key]) || (UI[S.lang] && UI[S.lang][key])
    || (ui && ui.en && ui.en[key]) || UI.en[key] || key;
  if (vars) for (const [k, v] of Object.entries(vars)) s = s.split('{' + k + '}').join(String(v));
  return s;
}
function localised(v) {
  if (v == null) return '';
  if (typeof v === 'string') return v;
  return v[S.lang] || v[S.meta.default_language] || v.en || Object.values(v)[0] || '';
}
// Intl formatters are costly to build (tens of them per desk row): one per language and options.
const INTL = new Map();
function intl(Ctor, lang, opts) {
  const k = Ctor.name + '|' + lang + '|' + JSON.stringify(opts || {});
  if (!INTL.has(k)) INTL.set(k, new Ctor(lang, opts));
  return INTL.get(k);
}
const num = (n) => intl(Intl.NumberFormat, S.lang).format(n);
function mins(n) {
  try { return intl(Intl.NumberFormat, S.lang, { style: 'unit', unit: 'minute', unitDisplay: 'long' }).format(n); } catch { return num(n) + ' min'; }
}
// String.prototype.localeCompare(…, lang) builds a collator at every call: one per language instead.
const collate = (a, b) => intl(Intl.Collator, S.lang).compare(a, b);
function langName(code) {
  try { return intl(Intl.DisplayNames, S.lang, { type: 'language' }).of(code) || code; } catch { return code; }
}

// ---------------------------------------------------------------- clock (Europe/Rome wall time)
// "Wall" dates are local Date objects whose fields are the Rome wall-clock fields;
// opening_hours evaluates local fields, so this evaluates hours in Europe/Rome
// whatever the phone's time zone.
function romeWall(instant) {
  const parts = intl(Intl.DateTimeFormat, 'en-GB', {
    timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).formatToParts(instant);
  const g = (ty) => Number(parts.find((p) => p.type === ty).value);
  return new Date(g('year'), g('month') - 1, g('day'), g('hour'), g('minute'), g('second'));
}
function parseWall(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?$/.exec(s);
  if (!m) return null;
  return new Date(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0));
}
function now() {
  const q = new URLSearchParams(location.search).get('now');
  if (q && parseWall(q)) return parseWall(q);            // Rome wall time, for tests
  const inj = window.__BUSSOLA_NOW__;
  if (inj != null) {
    if (typeof inj === 'string' && parseWall(inj)) return parseWall(inj);
    const d = new Date(inj);                              // an instant (ISO with zone, or ms)
    if (!isNaN(d)) return romeWall(d);
  }
  return romeWall(new Date());
}
const dayStart = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
const addDays = (d, n) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n, d.getHours(), d.getMinutes());
const isoDay = (d) => ((d.getDay() + 6) % 7) + 1;          // Monday = 1 … Sunday = 7
const fmtTime = (d) => intl(Intl.DateTimeFormat, S.lang, { hour: '2-digit', minute: '2-digit' }).format(d);
const fmtWeekday = (d) => intl(Intl.DateTimeFormat, S.lang, { weekday: 'long' }).format(d);

function chosenMoment() {
  if (S.when === 'now') return now();
  if (S.when !== 'at') return null;
  const n = now();
  const [hh, mm] = (S.time || '10:00').split(':').map(Number);
  const delta = (S.day - isoDay(n) + 7) % 7;
  const d = addDays(dayStart(n), delta);
  d.setHours(hh || 0, mm || 0, 0, 0);
  return d;
}

// ---------------------------------------------------------------- opening hours
// The worker answers a query (hours.js: evaluate) about the desks at one moment: each
// desk's state now and next change, whether it is open at the chosen time, a card's
// week. Times travel as "wall" numbers (Date.UTC of the Rome wall-clock fields).
const toWall = (d) => Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds());
function fromWall(ms) {
  const d = new Date(ms);
  return new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}
const H = { started: null, worker: null, local: null, failed: false, ready: false, seq: 0, waiting: new Map() };
// Starts the worker (once); resolves when it can answer. Where a module worker cannot
// start (an old browser), hours.js is imported here instead; if that fails too, every
// desk's hours are "unknown" (and no desk is open at a chosen time).
function startHours() {
  if (H.started) return H.started;
  H.started = new Promise((resolve) => {
    const done = () => { H.ready = true; resolve(); };
    const local = () => {
      if (H.worker) { H.worker.terminate(); H.worker = null; }
      import('./hours.js').then((m) => { H.local = m.evaluate; }, () => { H.failed = true; }).then(done);
    };
    let w;
    try { w = new Worker(new URL('./hours-worker.js', import.meta.url), { type: 'module' }); } catch { local(); return; }
    H.worker = w;
    w.onmessage = (e) => {
      const m = e.data || {};
      if (m.ready) { done(); return; }
      const cb = H.waiting.get(m.id);
      if (cb) { H.waiting.delete(m.id); cb(m.r); }
    };
    w.onerror = (e) => {
      if (e && e.preventDefault) e.preventDefault();
      if (!H.ready) { local(); return; }
      for (const cb of H.waiting.values()) cb(null); // the worker died: these desks' hours are unknown
      H.waiting.clear();
    };
  });
  return H.started;
}
const hoursPending = () => !H.ready;
// Asks about `desks` at the present moment (and at `at`, a wall Date, if given; the
// week of `weekDesk` if given). Resolves to the answer, null if the hours are not
// available; evaluates nothing on this thread unless the worker could not start.
// Opening hours change on whole minutes, so the moments are asked to the minute and
// the answers are kept for the minute: a re-render within it needs no round trip.
const HC = { minute: null, status: new Map(), open: new Map(), week: new Map() };
const toMinute = (d) => { const w = toWall(d); return w - (w % 60000); };
function query(q) {
  if (H.local) { try { return Promise.resolve(H.local(q)); } catch { return Promise.resolve(null); } }
  if (!H.worker) return Promise.resolve(null);
  const id = ++H.seq;
  return new Promise((resolve) => { H.waiting.set(id, resolve); H.worker.postMessage({ id, q }); });
}
async function askHours(desks, at, weekDesk) {
  await startHours();
  if (H.failed) return null;
  const minute = toMinute(now()), atMin = at ? toMinute(at) : null;
  if (HC.minute !== minute) { HC.minute = minute; HC.status.clear(); HC.open.clear(); HC.week.clear(); }
  const ans = { now: minute, status: {}, open: {}, week: null };
  const miss = [];
  for (const d of desks) {
    const ok = HC.status.has(d.id) && (atMin == null || HC.open.has(atMin + '|' + d.id));
    if (!ok) { miss.push(d); continue; }
    ans.status[d.id] = HC.status.get(d.id);
    if (atMin != null) ans.open[d.id] = HC.open.get(atMin + '|' + d.id);
  }
  if (weekDesk) ans.week = HC.week.get(weekDesk.id) || null;
  if (miss.length || (weekDesk && !ans.week)) {
    const r = await query({
      now: minute, at: atMin, desks: miss.map((d) => [d.id, d.opening_hours || '']),
      week: weekDesk && !ans.week ? [weekDesk.id, weekDesk.opening_hours || ''] : null,
    });
    if (!r) return null;
    const keep = HC.minute === minute;
    for (const d of miss) {
      ans.status[d.id] = r.status[d.id];
      if (keep) HC.status.set(d.id, r.status[d.id]);
      if (atMin != null) {
        ans.open[d.id] = r.open[d.id];
        if (keep) HC.open.set(atMin + '|' + d.id, r.open[d.id]);
      }
    }
    if (r.week) { ans.week = r.week; if (keep) HC.week.set(weekDesk.id, r.week); }
  }
  return ans;
}
// A desk's status line from an answer (undefined: not asked yet).
function statusText(desk, res) {
  if (res === undefined) return { open: null, pending: true, text: '' };
  const s = res && res.status[desk.id];
  if (!s) return { open: null, text: t('hours_unknown') };
  const n = fromWall(res.now);
  const open = s[0], next = s[1] == null ? null : fromWall(s[1]);
  if (open) {
    if (!next) return { open, text: t('open_now') };
    const same = dayStart(next).getTime() === dayStart(n).getTime();
    const time = fmtTime(next) + (same ? '' : ' (' + fmtWeekday(next) + ')');
    return { open, text: t('open_now') + ' · ' + t('closes_at', { time }) };
  }
  if (!next) return { open, text: t('closed_now') };
  const days = Math.round((dayStart(next) - dayStart(n)) / 864e5);
  const time = fmtTime(next);
  const when = days === 0 ? t('opens_today', { time }) : days === 1 ? t('opens_tomorrow', { time })
    : t('opens_at', { day: fmtWeekday(next), time });
  return { open, text: t('closed_now') + ' · ' + when };
}
// The open intervals of the card's day i (0 = today) as text; null: unknown.
function hoursOn(res, i) {
  const h = res && res.week && res.week[i];
  if (!h) return null;
  return h.map(([a, b]) => {
    const e = fromWall(b);
    return fmtTime(fromWall(a)) + '–' + (e.getHours() === 0 && e.getMinutes() === 0 ? '24:00' : fmtTime(e));
  });
}

// ---------------------------------------------------------------- travel times
function gridFor(cat) {
  const tc = S.meta.times && S.meta.times.categories && S.meta.times.categories[cat];
  if (!tc) return Promise.resolve(null);
  if (!S.grids.has(cat)) {
    S.grids.set(cat, fetch('data/' + tc.file).then((r) => {
      if (!r.ok) throw new Error(r.status);
      return r.arrayBuffer();
    }).then((b) => ({ bytes: new Uint8Array(b), desks: new Map(tc.desks.map((d) => [d.id, d])) }))
      .catch(() => null));
  }
  return S.grids.get(cat);
}
// Minutes from the position to the desk, from the desk's grid: 255 = beyond the maximum.
function minutesTo(grid, id, pos) {
  const g = grid && grid.desks.get(id);
  if (!g || !pos) return null;
  const { dlon, dlat } = S.meta.times.cell;
  const c = Math.floor((pos.lon - g.lon0) / dlon);
  const r = Math.floor((pos.lat - g.lat0) / dlat);
  if (c < 0 || r < 0 || c >= g.cols || r >= g.rows) return 255;
  return grid.bytes[g.offset + r * g.cols + c];
}

// ---------------------------------------------------------------- URL state
function readHash() {
  const h = new URLSearchParams(location.hash.slice(1));
  const langs = S.meta.languages;
  if (h.get('l') && langs.includes(h.get('l'))) S.lang = h.get('l');
  if (h.has('c')) S.cat = S.meta.categories.some((c) => c.id === h.get('c')) ? h.get('c') : null;
  if (h.has('w')) S.when = ['now', 'at'].includes(h.get('w')) ? h.get('w') : 'any';
  if (h.get('d')) S.day = Math.min(7, Math.max(1, Number(h.get('d')) || 1));
  if (/^\d{2}:\d{2}$/.test(h.get('t') || '')) S.time = h.get('t');
  if (h.has('sl')) S.langs = h.get('sl').split(',').filter(Boolean);
  S.noappt = h.get('na') === '1';
  S.stepfree = h.get('sf') === '1';
  S.far = h.get('far') === '1';
  S.desk = h.get('desk') || null;
  // WMS overlays switched on (off by default). A hash without `o` leaves them as they
  // are: they are a choice about the map, not about the search.
  if (h.has('o')) {
    const names = new Set(((S.meta.wms && S.meta.wms.layers) || []).map((l) => l.name));
    S.wmsOn = h.get('o').split(',').filter((n) => names.has(n));
  }
  const p = (h.get('pos') || '').split(',').map(Number);
  if (p.length === 2 && p.every(Number.isFinite)) {
    S.pos = { lon: p[0], lat: p[1], src: h.get('pn') ? 'place' : 'link', label: h.get('pn') || '' };
    S.sharePos = true;
  }
}
function stateParams(withPos) {
  const h = new URLSearchParams();
  h.set('l', S.lang);
  if (S.cat) h.set('c', S.cat);
  if (S.when !== 'any') h.set('w', S.when);
  if (S.when === 'at') { h.set('d', S.day); h.set('t', S.time); }
  if (S.langs.length) h.set('sl', S.langs.join(','));
  if (S.noappt) h.set('na', '1');
  if (S.stepfree) h.set('sf', '1');
  if (S.far) h.set('far', '1');
  if (S.desk) h.set('desk', S.desk);
  if (S.wmsOn.length) h.set('o', S.wmsOn.join(','));
  if (withPos && S.pos) {
    h.set('pos', S.pos.lon.toFixed(5) + ',' + S.pos.lat.toFixed(5));
    if (S.pos.src === 'place' && S.pos.label) h.set('pn', S.pos.label);
  }
  return h.toString();
}
function shareUrl() {
  const u = new URL(location.href);
  u.hash = stateParams(S.sharePos);
  return u.toString();
}
function writeHash() {
  const u = new URL(location.href);
  u.hash = stateParams(S.sharePos);
  history.replaceState(null, '', u);
  const f = $('#share-url');
  if (f) f.value = u.toString();
}

// ---------------------------------------------------------------- DOM helpers
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k != null) e.append(k.nodeType ? k : document.createTextNode(k));
  return e;
}
const SVGNS = 'http://www.w3.org/2000/svg';
const SHAPES = {
  circle: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18z',
  square: 'M4 4h16v16H4z',
  triangle: 'M12 3l10 18H2z',
  diamond: 'M12 2l10 10-10 10L2 12z',
  pentagon: 'M12 2l10 7.5-3.8 12H5.8L2 9.5z',
  cross_fill: 'M9 2h6v7h7v6h-7v7H9v-7H2V9h7z',
  star: 'M12 2l2.9 6.6 7.1.6-5.4 4.7 1.6 7-6.2-3.7-6.2 3.7 1.6-7L2 9.2l7.1-.6z',
  hexagon: 'M7 3h10l5 9-5 9H7l-5-9z',
  trapezoid: 'M6 5h12l4 14H2z',
  octagon: 'M8 2h8l6 6v8l-6 6H8l-6-6V8z',
  half_square: 'M4 4h16v16H4z M4 20L20 4v16z',
};
function shapeIcon(cat, size = 24) {
  const svg = document.createElementNS(SVGNS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', size); svg.setAttribute('height', size);
  svg.setAttribute('aria-hidden', 'true'); svg.setAttribute('focusable', 'false');
  const p = document.createElementNS(SVGNS, 'path');
  p.setAttribute('d', SHAPES[cat && cat.marker] || SHAPES.circle);
  p.setAttribute('fill', (cat && cat.colour) || '#444');
  p.setAttribute('stroke', '#1a1a1a'); p.setAttribute('stroke-width', '1');
  if (cat && cat.marker === 'half_square') p.setAttribute('fill-rule', 'evenodd');
  svg.append(p);
  return svg;
}
const catById = (id) => S.meta.categories.find((c) => c.id === id);

// ---------------------------------------------------------------- static texts
function applyLanguage() {
  const html = document.documentElement;
  html.lang = S.lang;
  html.dir = RTL.has(S.lang) ? 'rtl' : 'ltr';
  const title = localised(S.meta.title) || t('title');
  document.title = title;
  $('#title').textContent = title;
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of document.querySelectorAll('[data-i18n-ph]')) e.placeholder = t(e.dataset.i18nPh);
  for (const e of document.querySelectorAll('[data-i18n-label]')) e.setAttribute('aria-label', t(e.dataset.i18nLabel));
  if (S.secondary || S.when === 'at') renderSecondary(); else renderLangPicker(true);
  renderCategories();
  renderLangFilter();
  if (S.map) {
    S.map.zoomControl.remove();
    S.map.zoomControl = L.control.zoom({ zoomInTitle: t('zoom_in'), zoomOutTitle: t('zoom_out'), position: 'topright' }).addTo(S.map);
    $('#map').setAttribute('aria-label', t('map_label'));
    layersControl();
  }
  renderPosStatus();
}

// The language picker shows each language by its own name (Intl.DisplayNames in that
// language). At the first render only the page's language is listed (renderSecondary).
function renderLangPicker(onlyCurrent) {
  const sel = $('#lang');
  sel.replaceChildren(...S.meta.languages.filter((code) => !onlyCurrent || code === S.lang).map((code) => {
    let own = code;
    try { own = intl(Intl.DisplayNames, code, { type: 'language' }).of(code); } catch { /* keep code */ }
    return el('option', { value: code, lang: code, text: own.charAt(0).toLocaleUpperCase(code) + own.slice(1) });
  }));
  sel.value = S.lang;
}
// What is not needed to show the list (other languages in the picker, weekday names of
// the hidden day picker, the date in the footer): start() renders it a task after the
// list, since the first Intl date formatter of a language is slow to build on a phone.
function renderSecondary() {
  renderLangPicker(false);
  const daySel = $('#day');
  const monday = new Date(2026, 10, 23);
  daySel.replaceChildren(...[1, 2, 3, 4, 5, 6, 7].map((i) => el('option', { value: i, text: fmtWeekday(addDays(monday, i - 1)) })));
  daySel.value = String(S.day);
  const upd = parseWall(S.meta.updated_at || '');
  $('#updated').textContent = upd
    ? t('updated_on', { date: intl(Intl.DateTimeFormat, S.lang, { dateStyle: 'long' }).format(upd) }) : '';
}
function renderCategories() {
  const box = $('#cat-options');
  box.replaceChildren(...S.meta.categories.map((c) => {
    const id = 'cat-' + c.id;
    return el('div', { class: 'cat' },
      el('input', { type: 'radio', name: 'cat', id, value: c.id, checked: S.cat === c.id }),
      el('label', { for: id }, shapeIcon(c, 26), el('span', { class: 'cat-label', text: localised(c.labels) })));
  }));
}

function renderLangFilter() {
  const codes = [...new Set(S.services.flatMap((s) => s.languages || []))]
    .sort((a, b) => collate(langName(a), langName(b)));
  $('#lang-options').replaceChildren(...codes.map((code) => el('div', { class: 'check' },
    el('input', { type: 'checkbox', id: 'sl-' + code, value: code, checked: S.langs.includes(code) }),
    el('label', { for: 'sl-' + code, text: langName(code) }))));
}

function syncControls() {
  for (const r of document.querySelectorAll('input[name=when]')) r.checked = r.value === S.when;
  $('#day').value = String(S.day);
  $('#time').value = S.time;
  $('#at-fields').hidden = S.when !== 'at';
  $('#noappt').checked = S.noappt;
  $('#stepfree').checked = S.stepfree;
  for (const r of document.querySelectorAll('input[name=cat]')) r.checked = r.value === S.cat;
  for (const c of document.querySelectorAll('#lang-options input')) c.checked = S.langs.includes(c.value);
  if ($('#share-pos')) $('#share-pos').checked = S.sharePos;
}

// ---------------------------------------------------------------- position
function renderPosStatus() {
  const p = S.pos;
  $('#pos-status').textContent = !p ? t('no_position')
    : p.src === 'place' ? t('position_place', { place: p.label })
      : p.src === 'gps' ? t('position_gps') : p.src === 'map' ? t('position_map') : t('position_link');
  $('#clear-pos').hidden = !p;
}
function setPosition(pos) {
  S.pos = pos;
  renderPosStatus();
  drawPosition();
  update();
}
function drawPosition() {
  if (!S.map) return;
  if (S.posMarker) { S.posMarker.remove(); S.posMarker = null; }
  if (!S.pos) return;
  const icon = L.divIcon({ className: 'you', html: el('span', { class: 'you-dot' }), iconSize: [22, 22] });
  S.posMarker = L.marker([S.pos.lat, S.pos.lon], { icon, keyboard: false, interactive: false, zIndexOffset: 1000, title: t('you_are_here') }).addTo(S.map);
}
const fold = (s) => s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
function renderPlaces() {
  const q = fold($('#place').value.trim());
  const all = S.meta.places || [];
  const starts = all.filter((p) => fold(p.name).startsWith(q));
  const inner = q ? all.filter((p) => !fold(p.name).startsWith(q) && fold(p.name).includes(q)) : [];
  S.placeMatches = starts.concat(inner).slice(0, 60);
  S.placeActive = S.placeMatches.length ? Math.max(0, Math.min(S.placeActive, S.placeMatches.length - 1)) : -1;
  const list = $('#place-list');
  list.replaceChildren(...S.placeMatches.map((p, i) => el('li', {
    role: 'option', id: 'place-opt-' + i, 'aria-selected': i === S.placeActive ? 'true' : 'false',
    class: i === S.placeActive ? 'active' : null, 'data-i': i, text: p.name,
  })));
  if (!S.placeMatches.length) list.append(el('li', { class: 'none', role: 'option', 'aria-disabled': 'true', 'aria-selected': 'false', text: t('no_place_match') }));
  const input = $('#place');
  if (S.placeActive >= 0) {
    input.setAttribute('aria-activedescendant', 'place-opt-' + S.placeActive);
    const a = $('#place-opt-' + S.placeActive);
    if (a && a.scrollIntoView) a.scrollIntoView({ block: 'nearest' });
  } else input.removeAttribute('aria-activedescendant');
}
function openPlaces(open) {
  $('#place-list').hidden = !open;
  $('#place').setAttribute('aria-expanded', open ? 'true' : 'false');
  if (open) renderPlaces(); else $('#place').removeAttribute('aria-activedescendant');
}
function choosePlace(i) {
  const p = S.placeMatches[i];
  if (!p) return;
  $('#place').value = p.name;
  openPlaces(false);
  setPosition({ lon: p.lon, lat: p.lat, src: 'place', label: p.name });
  if (S.map) S.map.setView([p.lat, p.lon], Math.max(S.map.getZoom(), 12));
}
function wirePlaces() {
  const input = $('#place');
  input.addEventListener('input', () => { S.placeActive = 0; openPlaces(true); });
  input.addEventListener('keydown', (e) => {
    const open = !$('#place-list').hidden;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!open) { S.placeActive = 0; openPlaces(true); return; }
      const n = S.placeMatches.length;
      if (n) S.placeActive = (S.placeActive + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
      renderPlaces();
    } else if (e.key === 'Enter') {
      if (open && S.placeActive >= 0) { e.preventDefault(); choosePlace(S.placeActive); }
    } else if (e.key === 'Escape') {
      if (open) { e.preventDefault(); openPlaces(false); }
    }
  });
  input.addEventListener('blur', () => setTimeout(() => { if (document.activeElement !== input) openPlaces(false); }, 150));
  $('#place-list').addEventListener('mousedown', (e) => e.preventDefault());
  $('#place-list').addEventListener('click', (e) => {
    const li = e.target.closest('li[data-i]');
    if (li) choosePlace(Number(li.dataset.i));
  });
  $('#locate').addEventListener('click', () => {
    if (!navigator.geolocation) { $('#pos-status').textContent = t('location_unavailable'); return; }
    $('#pos-status').textContent = t('locating');
    navigator.geolocation.getCurrentPosition(
      (g) => {
        setPosition({ lon: g.coords.longitude, lat: g.coords.latitude, src: 'gps', label: '' });
        if (S.map) S.map.setView([g.coords.latitude, g.coords.longitude], Math.max(S.map.getZoom(), 13));
      },
      (err) => { $('#pos-status').textContent = err.code === 1 ? t('location_denied') : t('location_unavailable'); },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 60000 });
  });
  $('#clear-pos').addEventListener('click', () => { $('#place').value = ''; setPosition(null); $('#place').focus(); });
}

// ---------------------------------------------------------------- results
function passes(desk) {
  if (S.cat && !desk.categories.includes(S.cat)) return false;
  if (S.langs.length && !S.langs.some((l) => (desk.languages || []).includes(l))) return false;
  if (S.noappt && desk.appointment_required !== false) return false;
  if (S.stepfree && !['yes', 'limited'].includes(desk.wheelchair)) return false;
  return true;
}
let updateSeq = 0;
async function update() {
  const seq = ++updateSeq;
  const grid = S.cat ? await gridFor(S.cat) : null;
  if (seq !== updateSeq) return;
  const moment = chosenMoment();
  const card = S.desk && S.byId.get(S.desk);
  let cands = S.services.filter(passes);
  // The opening-time filter and a desk's card wait for the hours; the list alone shows
  // them once they are there (fillStatuses), and at once when the worker is up.
  let hours;
  if (moment || card || !hoursPending()) {
    const ask = card && !cands.includes(card) ? cands.concat([card]) : cands;
    hours = await askHours(ask, moment, card);
    if (seq !== updateSeq) return;
  }
  if (moment) cands = cands.filter((d) => !!(hours && hours.open[d.id]));
  const max = (S.meta.times && S.meta.times.max_minutes) || 60;
  const rows = cands.map((d) => ({ d, m: minutesTo(grid, d.id, S.pos) }));
  const key = (r) => (r.m == null ? 256 : r.m);
  rows.sort((a, b) => key(a) - key(b) || (a.d.id < b.d.id ? -1 : a.d.id > b.d.id ? 1 : 0));
  if (!S.pos || !grid) rows.sort((a, b) => collate(a.d.name, b.d.name) || (a.d.id < b.d.id ? -1 : 1));
  const near = rows.filter((r) => r.m !== 255);
  const far = rows.filter((r) => r.m === 255);
  S.rows = rows;
  const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest('.desks > li');
  $('#desk-list').replaceChildren(...near.map((r) => deskItem(r, max, hours)));
  $('#far-list').replaceChildren(...far.map((r) => deskItem(r, max, hours)));
  if (focused) {
    const b = document.querySelector(`.desks > li[data-id="${CSS.escape(focused.dataset.id)}"] button`);
    if (b) b.focus();
  }
  $('#far-list').hidden = !S.far || !far.length;
  const ft = $('#far-toggle');
  ft.hidden = !far.length;
  ft.setAttribute('aria-expanded', S.far ? 'true' : 'false');
  ft.textContent = S.far ? t('far_hide', { n: mins(max) }) : t('far_show', { n: mins(max), count: num(far.length) });
  let summary = rows.length ? t('results_count', { n: num(rows.length) }) : t('results_none');
  if (!S.cat) summary += ' ' + t('choose_category');
  else if (!S.pos) summary += ' ' + t('choose_position');
  if (moment && S.when === 'at') summary += ' ' + t('open_on', { day: fmtWeekday(moment), time: fmtTime(moment) });
  $('#results-summary').textContent = summary;
  const nf = S.langs.length + (S.noappt ? 1 : 0) + (S.stepfree ? 1 : 0);
  $('#filters-count').textContent = nf ? t('filters_active', { n: num(nf) }) : '';
  if (nf) $('#more-filters').open = true;
  drawMarkers(rows, max);
  renderCard(grid, hours);
  writeHash();
}
function timeLabel(m, max) {
  if (m == null) return S.pos && S.cat ? t('time_unknown') : '';
  if (m === 255) return t('more_than', { n: mins(max) });
  return mins(m);
}
function deskItem({ d, m }, max, hours) {
  const st = statusText(d, hours);
  const cat = catById(S.cat || d.categories[0]);
  const tl = timeLabel(m, max);
  return el('li', { 'data-id': d.id, 'data-minutes': m == null ? '' : m },
    el('button', { type: 'button', class: 'desk' + (S.desk === d.id ? ' current' : ''), 'aria-current': S.desk === d.id ? 'true' : null, onclick: () => openDesk(d.id) },
      shapeIcon(cat, 22),
      el('span', { class: 'desk-main' },
        el('span', { class: 'desk-name', text: d.name }),
        el('span', { class: 'desk-sub' },
          tl ? el('span', { class: 'desk-time', text: tl }) : null,
          el('span', { class: 'desk-open ' + (st.pending ? 'pending' : st.open ? 'is-open' : 'is-closed'), text: st.text }),
          ))));
}
// Once the worker is up: the status line of every listed desk that still waits for it,
// filled in place from one answer, a few desks per task. A newer render (update)
// fills its own rows.
async function fillStatuses() {
  const seq = updateSeq;
  const pending = [...document.querySelectorAll('.desks > li')]
    .map((li) => ({ li, span: li.querySelector('.desk-open.pending'), d: S.byId.get(li.dataset.id) }))
    .filter((x) => x.span && x.d);
  if (!pending.length) return;
  const hours = await askHours(pending.map((x) => x.d), null, null);
  if (seq !== updateSeq) return;
  let t0 = performance.now();
  for (const { span, d } of pending) {
    if (seq !== updateSeq) return;
    const st = statusText(d, hours);
    span.className = 'desk-open ' + (st.open ? 'is-open' : 'is-closed');
    span.textContent = st.text;
    if (performance.now() - t0 > 8) { await nextTask(); t0 = performance.now(); }
  }
  // the other desks' state now, for the next render (another category, other filters)
  idle(() => askHours(S.services, null, null));
}
function openDesk(id) {
  S.desk = id;
  update().then(() => { const h = $('#card-h'); if (h) h.focus(); });
  const d = S.byId.get(id);
  if (S.map && d) S.map.panTo([d.lat, d.lon]);
}
function closeDesk() {
  const id = S.desk;
  S.desk = null;
  update().then(() => {
    const b = document.querySelector(`li[data-id="${CSS.escape(id)}"] button`);
    (b || $('#results-h')).focus();
  });
}

function renderCard(grid, hours) {
  const card = $('#card');
  const d = S.desk && S.byId.get(S.desk);
  if (!d) { card.hidden = true; card.replaceChildren(); return; }
  const max = (S.meta.times && S.meta.times.max_minutes) || 60;
  const m = minutesTo(grid, d.id, S.pos);
  const st = statusText(d, hours);
  const n = hours ? fromWall(hours.now) : now();
  const mode = localised(S.meta.times && S.meta.times.mode_label);
  const row = (label, ...val) => [el('dt', { text: label }), el('dd', {}, ...val)];
  const week = [];
  for (let i = 0; i < 7; i++) {
    const day = addDays(dayStart(n), i);
    const h = hoursOn(hours, i);
    week.push(el('tr', { class: i === 0 ? 'today' : null },
      el('th', { scope: 'row', text: i === 0 ? t('today') + ' (' + fmtWeekday(day) + ')' : fmtWeekday(day) }),
      el('td', { text: h == null ? t('hours_unknown') : h.length ? h.join(', ') : t('closed') })));
  }
  const geo = `geo:${d.lat},${d.lon}?q=${d.lat},${d.lon}(${encodeURIComponent(d.name)})`;
  const osm = S.pos
    ? `https://www.openstreetmap.org/directions?engine=fossgis_osrm_foot&route=${S.pos.lat.toFixed(5)}%2C${S.pos.lon.toFixed(5)}%3B${d.lat}%2C${d.lon}`
    : `https://www.openstreetmap.org/?mlat=${d.lat}&mlon=${d.lon}#map=17/${d.lat}/${d.lon}`;
  const app = d.appointment_required === true ? t('appointment_yes') : d.appointment_required === false ? t('appointment_no') : t('appointment_unknown');
  const wc = { yes: t('wheelchair_yes'), limited: t('wheelchair_limited'), no: t('wheelchair_no') }[d.wheelchair] || t('wheelchair_unknown');
  const cats = d.categories.map(catById).filter(Boolean);
  card.replaceChildren(
    el('button', { type: 'button', class: 'back', onclick: closeDesk, text: t('back_to_list') }),
    el('h3', { id: 'card-h', tabindex: '-1', text: d.name }),
    el('p', { class: 'card-cats' }, cats.map((c) => el('span', { class: 'chip' }, shapeIcon(c, 18), localised(c.labels)))),
    el('p', { class: 'card-status ' + (st.open ? 'is-open' : 'is-closed'), text: st.text }),
    el('dl', {},
      row(t('travel_time', { mode }), el('strong', { text: timeLabel(m, max) || t('choose_position_short') })),
      row(t('operator'), d.operator || ''),
      row(t('address'), d.address || ''),
      d.phone ? row(t('phone'), el('a', { dir: 'ltr', href: 'tel:' + d.phone.replace(/[^+\d]/g, ''), text: d.phone })) : null,
      d.email ? row(t('email'), el('a', { dir: 'ltr', href: 'mailto:' + d.email, text: d.email })) : null,
      d.website ? row(t('website'), el('a', { dir: 'ltr', href: d.website, rel: 'noopener noreferrer', target: '_blank', text: d.website.replace(/^https?:\/\//, '') })) : null,
      row(t('languages_spoken'), (d.languages || []).map(langName).join(', ')),
      row(t('appointment'), app),
      row(t('access'), wc)),
    el('h4', { text: t('hours') }),
    el('table', { class: 'week' }, el('caption', { class: 'sr-only', text: t('hours') }), el('tbody', {}, week)),
    el('h4', { text: t('directions') }),
    el('p', { class: 'links' },
      el('a', { class: 'btn', href: geo, text: t('open_in_map_app') }),
      el('a', { class: 'btn', href: osm, rel: 'noopener noreferrer', target: '_blank', text: t('open_in_osm') })),
    el('h4', { class: 'no-print', text: t('share') }),
    el('div', { class: 'share no-print' },
      el('div', { class: 'check' },
        el('input', { type: 'checkbox', id: 'share-pos', checked: S.sharePos, onchange: (e) => { S.sharePos = e.target.checked; writeHash(); } }),
        el('label', { for: 'share-pos', text: t('share_include_position') })),
      el('label', { for: 'share-url', class: 'sr-only', text: t('share_link') }),
      el('input', { id: 'share-url', type: 'url', dir: 'ltr', readonly: true, value: shareUrl() }),
      el('p', { class: 'links' },
        el('button', { type: 'button', class: 'btn', onclick: copyLink, text: t('copy_link') }),
        el('button', { type: 'button', class: 'btn', onclick: () => window.print(), text: t('print') })),
      el('p', { id: 'copied', role: 'status' })),
  );
  card.hidden = false;
}
async function copyLink() {
  const url = shareUrl();
  try {
    if (navigator.share) { await navigator.share({ title: document.title, url }); return; }
    await navigator.clipboard.writeText(url);
    $('#copied').textContent = t('link_copied');
  } catch {
    const f = $('#share-url'); f.focus(); f.select();
  }
}

// ---------------------------------------------------------------- map
const maxMinutes = () => (S.meta.times && S.meta.times.max_minutes) || 60;
function loadLeaflet() {
  return import('leaflet').then((m) => { L = m.default || m; });
}
function initMap() {
  const node = $('#map');
  const map = L.map(node, { zoomControl: false, attributionControl: true, tap: true, keyboard: true, maxZoom: 19 });
  S.map = map;
  map.zoomControl = L.control.zoom({ zoomInTitle: t('zoom_in'), zoomOutTitle: t('zoom_out'), position: 'topright' }).addTo(map);
  map.attributionControl.setPrefix('<a href="https://leafletjs.com" rel="noopener noreferrer" target="_blank">Leaflet</a>');
  node.setAttribute('aria-label', t('map_label'));
  const b = S.services.map((s) => [s.lat, s.lon]);
  if (S.pos) map.setView([S.pos.lat, S.pos.lon], 12);
  // padding: keep every marker's 44 px target clear of the zoom buttons (top right), the layer
  // control (top left) and the attribution (bottom)
  else if (b.length) map.fitBounds(b, { padding: [80, 50] }); else map.setView([45.44, 12.33], 10);
  const note = $('#map-note');
  const bm = S.meta.basemap;
  if (bm && bm.url) {
    let ok = 0, bad = 0;
    L.tileLayer(bm.url, { attribution: bm.attribution || '', maxZoom: 19, referrerPolicy: 'no-referrer' })
      .on('tileload', () => { ok++; note.hidden = true; })
      .on('tileerror', () => { bad++; if (!ok && bad >= 4) { note.hidden = false; note.textContent = t('map_unavailable'); } })
      .addTo(map);
  } else { note.hidden = false; note.textContent = t('map_no_background'); }
  initOverlays();
  if (S.meta.boundaries) {
    fetch('data/' + S.meta.boundaries).then((r) => (r.ok ? r.json() : null)).then((gj) => {
      if (!gj) return;
      const layer = L.geoJSON(gj, { interactive: false, style: { color: '#6b7b8c', weight: 1, fillColor: '#e9eef2', fillOpacity: bm ? 0.15 : 0.9 } });
      layer.addTo(map); layer.bringToBack();
    }).catch(() => {});
  }
  map.on('click', (e) => setPosition({ lon: e.latlng.lng, lat: e.latlng.lat, src: 'map', label: '' }));
  map.on('zoomend', () => drawMarkers());
  drawPosition();
}

// WMS overlays: their own pane above the boundaries (overlayPane, 400; filled at 0.9
// without a basemap) and below the markers (600); off until the person ticks them in
// the layer control (or the URL's `o` names them), so a dead WMS server costs nothing.
function wmsTitle(ly) {
  const v = ly.title;
  if (typeof v === 'string' && v) return v;
  if (v && typeof v === 'object') return v[S.lang] || v.en || ly.name;
  return ly.name;
}
function initOverlays() {
  const wms = S.meta.wms;
  if (!wms || !wms.url || !(wms.layers || []).length) return;
  try {
    const pane = S.map.createPane('wms');
    pane.style.zIndex = 450;
    pane.style.pointerEvents = 'none';
    for (const ly of wms.layers) {
      const layer = L.tileLayer.wms(wms.url, {
        pane: 'wms', layers: ly.name, format: 'image/png', transparent: true, version: '1.3.0', opacity: 0.7,
      }).on('tileerror', () => { /* the overlay is optional: fail silently */ });
      layer.on('add remove', () => {
        S.wmsOn = wms.layers.map((l) => l.name).filter((n) => S.map.hasLayer(S.wmsLayers.get(n)));
        writeHash();
      });
      S.wmsLayers.set(ly.name, layer);
    }
    syncOverlays();
    layersControl();
  } catch { /* ignore: the list works without the overlay */ }
}
function layersControl() {
  if (!S.map || !S.wmsLayers.size) return;
  if (S.layersControl) S.layersControl.remove();
  const overlays = {};
  for (const ly of S.meta.wms.layers) overlays[wmsTitle(ly)] = S.wmsLayers.get(ly.name);
  S.layersControl = L.control.layers(null, overlays, { collapsed: true, position: 'topleft' }).addTo(S.map);
}
function syncOverlays() {
  const on = new Set(S.wmsOn);
  for (const [name, layer] of S.wmsLayers) {
    if (on.has(name) && !S.map.hasLayer(layer)) layer.addTo(S.map);
    else if (!on.has(name) && S.map.hasLayer(layer)) layer.remove();
  }
}

// Desk markers. Desks of one town sit a few hundred metres apart: at the zoom of the
// whole area their 44 px markers would overlap (too small a target to hit). Markers
// closer than GAP px are merged into one 44 px button that names its desks and zooms
// in until they come apart; at the last zoom level, desks still together fan out.
const GAP = 48;
function markerGroups(rows) {
  const map = S.map, z = map.getZoom();
  let groups = rows.map((r) => ({ rows: [r], p: map.project([r.d.lat, r.d.lon], z) }));
  if (z >= map.getMaxZoom()) return groups;
  for (let merged = true; merged;) {
    merged = false;
    outer: for (let i = 0; i < groups.length; i++) {
      for (let j = i + 1; j < groups.length; j++) {
        const a = groups[i], c = groups[j];
        if (a.p.distanceTo(c.p) < GAP) {
          const n = a.rows.length, m = c.rows.length;
          groups[i] = { rows: a.rows.concat(c.rows), p: a.p.multiplyBy(n).add(c.p.multiplyBy(m)).divideBy(n + m) };
          groups.splice(j, 1);
          merged = true;
          break outer;
        }
      }
    }
  }
  return groups;
}
function deskLabel({ d, m }, max) {
  return d.name + (m != null ? ' – ' + timeLabel(m, max) : '');
}
function drawMarkers(rows = S.rows || [], max = maxMinutes()) {
  if (!S.map) return;
  const map = S.map, z = map.getZoom(), atMax = z >= map.getMaxZoom();
  const want = new Map();
  for (const g of markerGroups(rows)) {
    if (g.rows.length === 1 || atMax) {
      // one marker per desk (at the last zoom level, several at one point fan out in a ring)
      const n = g.rows.length, radius = n > 1 ? Math.max(GAP, (GAP * n) / (2 * Math.PI)) : 0;
      g.rows.forEach((r, i) => {
        const at = n > 1 ? map.unproject(map.project([r.d.lat, r.d.lon], z).add(L.point(
          radius * Math.cos((2 * Math.PI * i) / n), radius * Math.sin((2 * Math.PI * i) / n))), z) : L.latLng(r.d.lat, r.d.lon);
        want.set('d:' + r.d.id, { ids: [r.d.id], rows: [r], at });
      });
    } else {
      const ids = g.rows.map((r) => r.d.id).sort();
      want.set('c:' + ids.join(','), { ids, rows: g.rows, at: map.unproject(g.p, z) });
    }
  }
  const focusedKey = [...S.markers].find(([, mk]) => mk.getElement() === document.activeElement)?.[0];
  for (const [key, mk] of S.markers) if (!want.has(key)) { mk.remove(); S.markers.delete(key); }
  for (const [key, w] of want) {
    let mk = S.markers.get(key);
    if (!mk) {
      mk = L.marker(w.at, { icon: L.divIcon({ className: 'desk-marker', iconSize: [44, 44] }), keyboard: true, riseOnHover: true })
        .on('click', () => activateMarker(key));
      mk.addTo(map);
      // Leaflet gives markers role=button and a tab stop, but Enter only opens popups: both keys here
      mk.getElement().addEventListener('keydown', (e) => {
        if (e.key === ' ' || e.key === 'Enter') { e.preventDefault(); activateMarker(key); }
      });
      S.markers.set(key, mk);
    } else mk.setLatLng(w.at);
    mk.ids = w.ids;
    const e = mk.getElement();
    const cluster = w.ids.length > 1;
    if (cluster) {
      // the number is drawn by CSS (data-n); the name says it, in words, with the desks' names
      e.replaceChildren(el('span', { class: 'pin', 'data-n': num(w.ids.length) }));
      e.setAttribute('aria-label', t('results_count', { n: num(w.ids.length) }) + ' ' + w.rows.map((r) => deskLabel(r, max)).join('; '));
      e.removeAttribute('data-id');
      e.dataset.ids = w.ids.join(' ');
    } else {
      const r = w.rows[0];
      e.replaceChildren(el('span', { class: 'pin' }, shapeIcon(catById(S.cat || r.d.categories[0]), 22)));
      e.setAttribute('aria-label', deskLabel(r, max));
      e.dataset.id = r.d.id;
    }
    e.classList.toggle('desk-cluster', cluster);
    e.classList.toggle('current', !!S.desk && w.ids.includes(S.desk));
  }
  // the focused marker was a group that came apart (or joined another): focus what holds its first desk
  if (focusedKey && !want.has(focusedKey)) {
    const first = S.focusDesk || focusedKey.slice(2).split(',')[0];
    const next = [...S.markers.values()].find((mk) => mk.ids.includes(first));
    if (next) next.getElement().focus();
  }
  S.focusDesk = null;
}
function activateMarker(key) {
  const mk = S.markers.get(key);
  if (!mk) return;
  if (mk.ids.length === 1) { openDesk(mk.ids[0]); return; }
  const map = S.map;
  const bounds = L.latLngBounds(mk.ids.map((id) => { const d = S.byId.get(id); return [d.lat, d.lon]; }));
  const z = Math.min(map.getMaxZoom(), Math.max(map.getZoom() + 1, map.getBoundsZoom(bounds, false, L.point(60, 60))));
  S.focusDesk = mk.ids[0];
  map.setView(bounds.getCenter(), z);
}

// ---------------------------------------------------------------- start
function wire() {
  $('#lang').addEventListener('change', (e) => { S.lang = e.target.value; applyLanguage(); syncControls(); update(); });
  $('#cat-options').addEventListener('change', (e) => { if (e.target.name === 'cat') { S.cat = e.target.value; S.desk = null; update(); } });
  for (const r of document.querySelectorAll('input[name=when]')) r.addEventListener('change', () => { S.when = r.value; $('#at-fields').hidden = S.when !== 'at'; update(); });
  $('#day').addEventListener('change', (e) => { S.day = Number(e.target.value); update(); });
  $('#time').addEventListener('change', (e) => { if (e.target.value) { S.time = e.target.value; update(); } });
  $('#lang-options').addEventListener('change', () => { S.langs = [...document.querySelectorAll('#lang-options input:checked')].map((c) => c.value); update(); });
  $('#noappt').addEventListener('change', (e) => { S.noappt = e.target.checked; update(); });
  $('#stepfree').addEventListener('change', (e) => { S.stepfree = e.target.checked; update(); });
  $('#far-toggle').addEventListener('click', () => { S.far = !S.far; update(); });
  window.addEventListener('hashchange', () => {
    const before = location.hash;
    if (before.slice(1) === stateParams(S.sharePos)) return;
    readHash();
    writeHash(); // at once (update() may wait for a grid): e.g. the overlays a hash without `o` leaves on
    applyLanguage(); syncControls(); drawPosition(); if (S.map) syncOverlays(); update();
  });
  const off = () => { $('#offline').hidden = navigator.onLine; };
  window.addEventListener('online', off); window.addEventListener('offline', off); off();
  wirePlaces();
}
function pickLanguage() {
  const langs = S.meta.languages;
  for (const l of navigator.languages || [navigator.language]) {
    const p = String(l || '').toLowerCase().split('-')[0];
    if (langs.includes(p)) return p;
  }
  return S.meta.default_language || langs[0];
}
const MAP_MARGIN = 400;
let mapStarted = null;
function startMap() {
  const failed = () => { $('#map-note').hidden = false; $('#map-note').textContent = t('map_unavailable'); };
  if (!mapStarted) {
    mapStarted = loadLeaflet().then(async () => {
      try { initMap(); await nextTask(); drawMarkers(); } catch { failed(); }
      document.body.classList.add('map-ready');
    }, failed);
  }
  return mapStarted;
}
async function start() {
  // a time filter or a desk's card in the URL: the first render waits for the hours
  if (/(^#|&)(w=(now|at)|desk=)/.test(location.hash)) startHours();
  try {
    const [meta, gj] = await Promise.all([
      fetch('data/meta.json').then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); }),
      fetch('data/services.geojson').then((r) => { if (!r.ok) throw new Error(r.status); return r.json(); }),
    ]);
    S.meta = meta;
    S.services = gj.features.filter((f) => f.geometry && f.geometry.type === 'Point').map((f) => ({
      ...f.properties, categories: f.properties.categories || [], lon: f.geometry.coordinates[0], lat: f.geometry.coordinates[1],
    }));
    S.byId = new Map(S.services.map((s) => [s.id, s]));
  } catch (e) {
    S.meta = { languages: Object.keys(UI), default_language: 'it', categories: [] };
    S.lang = pickLanguage();
    document.documentElement.lang = S.lang;
    $('#results-summary').textContent = t('data_error');
    document.body.classList.add('shown');
    return;
  }
  S.lang = pickLanguage();
  readHash();
  applyLanguage();
  wire();
  syncControls();
  await update();
  // The page is now in its language with its list: show it (see app.css), and let
  // the browser paint it before the hours library and the map are loaded.
  document.body.classList.add('shown');
  await nextTask();
  S.secondary = true;
  renderSecondary();
  const hours = hoursPending() ? startHours().then(fillStatuses) : null;
  // The map (Leaflet, the boundaries) is loaded when it is on screen or near it: at once
  // beside the list on a wide screen, when the person scrolls down to it on a phone.
  const wrap = $('.map-wrap');
  const near = (r) => r.top < innerHeight + MAP_MARGIN && r.bottom > -MAP_MARGIN;
  let map = null;
  if (!('IntersectionObserver' in window) || near(wrap.getBoundingClientRect())) map = startMap();
  else {
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) { io.disconnect(); startMap(); }
    }, { rootMargin: MAP_MARGIN + 'px' });
    io.observe(wrap);
  }
  await Promise.all([hours, map]);
  document.body.classList.add('ready');
  if (S.desk) { const h = $('#card-h'); if (h) h.scrollIntoView({ block: 'start' }); }
  if ('serviceWorker' in navigator && location.protocol !== 'file:') {
    navigator.serviceWorker.register('sw.js').catch(() => {});
  }
}
start();
