#!/usr/bin/env node
// Benchmark of the bussola (the public page), not a test: it reports, it asserts
// nothing and exits 0 whatever the numbers.
//
//   node benchmarks/web/lighthouse.mjs SITE_DIR [--out benchmarks/web/results.md]
//        [--langs it,ar] [--lh-runs 3] [--runs 5] [--json FILE] [--reports DIR]
//
// SITE_DIR is a published site (capacitymetro publish web ... --out SITE_DIR),
// served here by a small static server on 127.0.0.1 (random port, gzip like a
// typical host). Everything stays on this machine: the page is measured as
// published, with no basemap (map tiles are never counted).
//
// 1. Lighthouse (npm `lighthouse`, devDependency of web/), mobile form factor with
//    its default simulated throttling, on Debian's chromium (CHROME_PATH), one
//    cold run per language and repetition: the four category scores x100
//    (median of --lh-runs), the key metrics and every audit that did not pass.
// 2. First-load transfer: the transferred bytes (headers + gzipped bodies) of
//    every request of Lighthouse's cold load, from its network records, split into
//    the page's own requests and the service worker's install-time precache;
//    compared with the 300 KB budget (1 KB = 1024 bytes).
// 3. Time until the desk list shows: playwright-core, a fresh context per run
//    (cold: empty HTTP cache, no service worker), a place and a category preset
//    in the URL hash, CPU slowed 4x with Emulation.setCPUThrottlingRate through a
//    CDP session, and without throttling; the time from navigation start
//    (performance.now() in the page) until the first `#desk-list > li` is in the
//    DOM; median of --runs runs after one discarded warm-up run.
// The Markdown table is printed and written to --out.
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, extname, join, normalize, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const WEB = join(ROOT, 'web');
const require = createRequire(join(WEB, 'package.json'));

const CHROME_PATH = process.env.CHROME_PATH || '/usr/bin/chromium';
const CHROME_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const LANG_NAMES = { it: 'Italian', ar: 'Arabic', en: 'English', fr: 'French', bn: 'Bengali', uk: 'Ukrainian', zh: 'Chinese' };
const BUDGET_KB = 300;
const KB = 1024;
// Preset for the desk-list timing: Mestre (a place of the place list) and a category.
const PRESET = { c: 'italian_courses', pos: '12.2424,45.4906', pn: 'Mestre' };

// ------------------------------------------------------------------ arguments
const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    out: { type: 'string', default: join(HERE, 'results.md') },
    langs: { type: 'string', default: 'it,ar' },
    'lh-runs': { type: 'string', default: '3' },
    runs: { type: 'string', default: '5' },
    json: { type: 'string' },
    reports: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (opt.help || positionals.length !== 1) {
  console.log('usage: node benchmarks/web/lighthouse.mjs SITE_DIR [--out FILE.md] [--langs it,ar] [--lh-runs 3] [--runs 5] [--json FILE] [--reports DIR]');
  process.exit(opt.help ? 0 : 2);
}
const SITE = resolve(positionals[0]);
if (!existsSync(join(SITE, 'index.html')) || !existsSync(join(SITE, 'data', 'meta.json'))) {
  console.error(`${SITE}: not a published site (index.html and data/meta.json expected)`);
  process.exit(2);
}
const LANGS = opt.langs.split(',').map((s) => s.trim()).filter(Boolean);
const LH_RUNS = Math.max(1, Number(opt['lh-runs']) || 1);
const RUNS = Math.max(1, Number(opt.runs) || 5);
const log = (...a) => console.error('[bench-web]', ...a);

// ------------------------------------------------------------------ static server
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.geojson': 'application/geo+json', '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.bin': 'application/octet-stream', '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = /^(text\/|application\/(json|geo\+json|manifest\+json|octet-stream)|image\/svg)/;
// Like a typical static host (GitHub Pages, nginx with gzip on): gzip level 6 for
// text and binary data, not for PNG; ETag + a short max-age.
function serve(dir) {
  const requests = [];
  const gzCache = new Map();
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let path;
    try { path = decodeURIComponent(url.pathname); } catch { path = '/'; }
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(dir, path));
    const entry = { path: url.pathname, status: 404, body: 0, headers: 0, at: Date.now(),
      referer: req.headers.referer || '', dest: req.headers['sec-fetch-dest'] || '', mode: req.headers['sec-fetch-mode'] || '' };
    requests.push(entry);
    const done = (status, headers, body) => {
      res.writeHead(status, headers);
      res.end(body);
      entry.status = status;
      entry.body = body ? body.length : 0;
      entry.headers = typeof res._header === 'string' ? Buffer.byteLength(res._header) : 0;
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return done(405, { 'content-type': 'text/plain' }, Buffer.from('method not allowed'));
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      return done(404, { 'content-type': 'text/plain; charset=utf-8' }, Buffer.from('not found'));
    }
    const raw = readFileSync(file);
    const type = TYPES[extname(file)] || 'application/octet-stream';
    const etag = '"' + createHash('sha1').update(raw).digest('hex').slice(0, 16) + '"';
    const headers = { 'content-type': type, 'cache-control': 'max-age=600', etag, vary: 'Accept-Encoding' };
    if (req.headers['if-none-match'] === etag) return done(304, headers, null);
    let body = raw;
    if (COMPRESSIBLE.test(type) && /\bgzip\b/.test(req.headers['accept-encoding'] || '')) {
      if (!gzCache.has(etag)) gzCache.set(etag, gzipSync(raw, { level: 6 }));
      body = gzCache.get(etag);
      headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = body.length;
    done(200, headers, req.method === 'HEAD' ? null : body);
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    ok({
      origin: `http://127.0.0.1:${port}`, url: `http://127.0.0.1:${port}/`, requests,
      close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }),
    });
  }));
}

// ------------------------------------------------------------------ helpers
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const tmpDirs = [];
const tmp = (prefix) => { const d = mkdtempSync(join(tmpdir(), prefix)); tmpDirs.push(d); return d; };
function versionOf(pkg) {
  try { return JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')).version; } catch { return '?'; }
}
function chromeVersion() {
  try { return execFileSync(CHROME_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); } catch { return CHROME_PATH; }
}
// Map tiles and WMS images: another origin, a z/x/y path or a WMS query.
const isTile = (url, origin) => !url.startsWith(origin + '/') || /\/\d+\/\d+\/\d+(@\dx)?\.(png|jpe?g|webp|pbf|mvt)\b/i.test(url)
  || /[?&]service=wms\b/i.test(url);

// Debian's chromium with its own fresh profile and a DevTools port on 127.0.0.1.
async function launchChrome() {
  const profile = tmp('bench-web-chrome-');
  const child = spawn(CHROME_PATH, [...CHROME_FLAGS, '--remote-debugging-address=127.0.0.1', '--remote-debugging-port=0',
    `--user-data-dir=${profile}`, 'about:blank'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const port = await new Promise((ok, fail) => {
    let err = '';
    const timer = setTimeout(() => fail(new Error('chromium did not start:\n' + err)), 30000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = /DevTools listening on ws:\/\/127\.0\.0\.1:(\d+)\//.exec(err);
      if (m) { clearTimeout(timer); ok(Number(m[1])); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`chromium exited (${code}):\n${err}`)); });
  });
  child.stderr.resume();
  return {
    port,
    kill: () => new Promise((done) => {
      if (child.exitCode !== null || child.signalCode) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
      setTimeout(() => { if (child.exitCode === null && !child.signalCode) child.kill('SIGKILL'); }, 5000).unref();
    }),
  };
}

// ------------------------------------------------------------------ 1+2. Lighthouse
async function lighthouseRuns(srv) {
  const { default: lighthouse } = await import(pathToFileURL(require.resolve('lighthouse')).href);
  const out = {};
  for (const lang of LANGS) {
    out[lang] = [];
    for (let i = 0; i < LH_RUNS; i++) {
      const url = `${srv.url}#l=${lang}`;
      const chrome = await launchChrome();
      const t0 = Date.now();
      const first = srv.requests.length;
      let lhr;
      try {
        const res = await lighthouse(url, { port: chrome.port, logLevel: 'error', output: 'json', onlyCategories: CATEGORIES });
        lhr = res.lhr;
        if (opt.reports) {
          mkdirSync(opt.reports, { recursive: true });
          writeFileSync(join(opt.reports, `lighthouse-${lang}-${i + 1}.json`), res.report);
        }
      } finally {
        await chrome.kill();
      }
      const served = srv.requests.slice(first);
      if (lhr.runtimeError) log(`lighthouse ${lang} #${i + 1}: runtime error ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
      const run = summarise(lhr, srv.origin, served);
      log(`lighthouse ${lang} #${i + 1} (${((Date.now() - t0) / 1000).toFixed(0)} s): ` +
        CATEGORIES.map((c) => `${c} ${run.scores[c] ?? '–'}`).join(', ') + `, page ${(run.transfer.page / KB).toFixed(1)} KB`);
      out[lang].push(run);
    }
  }
  return out;
}

function summarise(lhr, origin, served) {
  const scores = {};
  for (const c of CATEGORIES) {
    const s = lhr.categories[c] && lhr.categories[c].score;
    scores[c] = s == null ? null : Math.round(s * 100);
  }
  const metric = (id) => lhr.audits[id] && lhr.audits[id].numericValue;
  const metrics = {
    fcp: metric('first-contentful-paint'), lcp: metric('largest-contentful-paint'), tbt: metric('total-blocking-time'),
    cls: metric('cumulative-layout-shift'), si: metric('speed-index'), tti: metric('interactive'),
  };
  // Network records: every request of the cold load, with its transferred bytes.
  const items = (lhr.audits['network-requests'] && lhr.audits['network-requests'].details && lhr.audits['network-requests'].details.items) || [];
  const transfer = { page: 0, sw: 0, tiles: 0, pageCount: 0, swCount: 0, tileCount: 0, requests: [] };
  for (const r of items) {
    if (r.url.startsWith('data:')) continue;
    const bytes = r.transferSize || 0;
    // The page's dedicated worker (hours-worker.js: the opening_hours library) is the
    // page's own load (`worker` records, counted with the page); the service worker's
    // precache is not in these records (below).
    const kind = isTile(r.url, origin) ? 'tile' : r.sessionTargetType === 'worker' ? 'page (worker)' : 'page';
    transfer.requests.push({ url: r.url.replace(origin, ''), kind, bytes, resourceSize: r.resourceSize, type: r.resourceType, status: r.statusCode });
    if (kind === 'tile') { transfer.tiles += bytes; transfer.tileCount++; } else { transfer.page += bytes; transfer.pageCount++; }
  }
  // The service worker's install-time precache is not in Lighthouse's records (it
  // follows the page, not its service worker): taken from the server's log, where
  // the worker's requests carry its script as referrer (the page sends none).
  const fromSw = served.filter((r) => /\/sw\.js$/.test(r.referer));
  transfer.sw = fromSw.reduce((a, r) => a + r.body + r.headers, 0);
  transfer.swCount = fromSw.length;
  for (const r of fromSw) transfer.requests.push({ url: r.path, kind: 'sw', bytes: r.body + r.headers, status: r.status });
  // The page's own requests as the server sent them (headers + bodies), a cross-check.
  const fromPage = served.filter((r) => !/\/sw\.js$/.test(r.referer) && r.path !== '/robots.txt');
  transfer.servedPage = fromPage.reduce((a, r) => a + r.body + r.headers, 0);
  transfer.servedPageCount = fromPage.length;
  // Audits that did not pass, per category (weight > 0 first).
  const failed = {};
  for (const c of CATEGORIES) {
    const cat = lhr.categories[c];
    if (!cat) continue;
    failed[c] = [];
    for (const ref of cat.auditRefs) {
      const a = lhr.audits[ref.id];
      if (!a || a.score === null || a.score >= 1) continue;
      // Weighted audits below 1; unweighted diagnostics only when Lighthouse shows them as failed (< 0.9).
      if (!ref.weight && a.score >= 0.9) continue;
      failed[c].push({ id: a.id, title: a.title, score: a.score, weight: ref.weight || 0, displayValue: a.displayValue || '',
        mode: a.scoreDisplayMode, items: auditItems(a, origin) });
    }
    failed[c].sort((x, y) => y.weight - x.weight || x.score - y.score);
  }
  const errored = Object.values(lhr.audits).filter((a) => a.scoreDisplayMode === 'error')
    .map((a) => ({ id: a.id, message: String(a.errorMessage || '').slice(0, 160) }));
  return { scores, metrics, transfer, failed, errored, benchmarkIndex: lhr.environment && lhr.environment.benchmarkIndex, warnings: lhr.runWarnings || [] };
}

function auditItems(a, origin) {
  const out = [];
  const why = new Set();
  const walk = (items) => {
    for (const it of items || []) {
      if (it.node) {
        const label = it.node.nodeLabel ? ` "${String(it.node.nodeLabel).slice(0, 60)}"` : it.node.snippet ? ' `' + it.node.snippet.slice(0, 100) + '`' : '';
        out.push(`\`${it.node.selector || '?'}\`${label}`);
        if (it.node.explanation) why.add(String(it.node.explanation).split('\n').slice(0, 3).join(' ').replace(/\s+/g, ' ').replace(/ \(smallest space is [^)]*\)/, '').trim());
      }
      else if (it.url) out.push(String(it.url).replace(origin, '') + (it.wastedBytes ? ` (${(it.wastedBytes / KB).toFixed(1)} KB)` : it.wastedMs ? ` (${Math.round(it.wastedMs)} ms)` : ''));
      else if (it.description) out.push(String(it.description));
      else if (it.source && it.source.url) out.push(String(it.source.url).replace(origin, ''));
      if (it.subItems && it.subItems.items) walk(it.subItems.items);
    }
  };
  if (a.details && a.details.items) walk(a.details.items.map((it) => ({ ...it, subItems: it.node ? null : it.subItems })));
  const uniq = [...new Set(out)];
  const shown = uniq.slice(0, 8).concat(uniq.length > 8 ? [`… ${uniq.length} elements in all`] : []);
  return why.size ? [[...why].slice(0, 2).join(' / ')].concat(shown) : shown;
}

// ------------------------------------------------------------------ 3. desk list timing
const OBSERVER = `(() => {
  const mark = () => {
    if (window.__deskListAt) return;
    if (document.querySelector('#desk-list > li')) { window.__deskListAt = performance.now(); obs.disconnect(); }
  };
  const obs = new MutationObserver(mark);
  obs.observe(document, { childList: true, subtree: true });
  // Layout shifts, as a cross-check of Lighthouse's CLS (whose trace reading may fail with a newer Chromium).
  window.__cls = 0;
  try {
    new PerformanceObserver((list) => { for (const e of list.getEntries()) if (!e.hadRecentInput) window.__cls += e.value; })
      .observe({ type: 'layout-shift', buffered: true });
  } catch { window.__cls = null; }
})();`;

async function deskListTimes(srv) {
  const { chromium } = require('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROME_PATH, args: CHROME_FLAGS, headless: true });
  const out = {};
  try {
    for (const lang of LANGS) {
      out[lang] = {};
      const hash = new URLSearchParams({ l: lang, ...PRESET }).toString();
      for (const rate of [4, 1]) {
        const times = [], cls = [];
        for (let i = 0; i <= RUNS; i++) {
          // Fresh context = cold load: empty HTTP cache, no service worker yet.
          const ctx = await browser.newContext({ viewport: { width: 412, height: 823 }, deviceScaleFactor: 1.75, isMobile: true, hasTouch: true });
          try {
            const page = await ctx.newPage();
            const cdp = await ctx.newCDPSession(page);
            await cdp.send('Emulation.setCPUThrottlingRate', { rate });
            await page.addInitScript(OBSERVER);
            await page.goto(`${srv.url}#${hash}`, { waitUntil: 'commit' });
            await page.waitForSelector('#desk-list > li', { state: 'attached', timeout: 60000 });
            const ms = await page.evaluate(() => window.__deskListAt);
            // Layout shifts: up to 1.5 s after the list (the map is built after it).
            await page.waitForTimeout(1500);
            const shift = await page.evaluate(() => window.__cls);
            if (i > 0) { times.push(ms); cls.push(shift); } // run 0 warms up the server and the OS caches
          } finally {
            await ctx.close();
          }
        }
        out[lang][rate] = { median: median(times), runs: times, cls: median(cls.filter((x) => x != null)) };
        log(`desk list ${lang} CPU ${rate}x: ${times.map((t) => Math.round(t)).join(', ')} ms -> median ${Math.round(median(times))} ms`);
      }
    }
  } finally {
    await browser.close();
  }
  return out;
}

// ------------------------------------------------------------------ report
function table(lh, timing) {
  const langs = LANGS;
  const med = (lang, f) => median(lh[lang].map(f).filter((x) => x != null && Number.isFinite(x)));
  const rows = [];
  const head = ['Metric', ...langs.map((l) => LANG_NAMES[l] || l), 'Target'];
  const mark = (ok) => (ok ? '' : ' ⚠');
  const score = (c, title, target, ok) => rows.push([title, ...langs.map((l) => {
    const v = med(l, (r) => r.scores[c]);
    return Number.isFinite(v) ? `${v}${ok ? mark(ok(v)) : ''}` : 'n/a';
  }), target]);
  score('performance', 'Lighthouse performance', '≥ 90', (v) => v >= 90);
  score('accessibility', 'Lighthouse accessibility', '100', (v) => v >= 100);
  score('best-practices', 'Lighthouse best practices', '≥ 95', (v) => v >= 95);
  score('seo', 'Lighthouse SEO', '(reported)', null);
  const kb = (b) => `${(b / KB).toFixed(1)} KB`;
  rows.push(['First-load transfer, gzip, no map tiles (page requests)', ...langs.map((l) => {
    const v = med(l, (r) => r.transfer.page);
    const n = med(l, (r) => r.transfer.pageCount);
    return `${kb(v)} (${n} req.)${mark(v <= BUDGET_KB * KB)}`;
  }), `≤ ${BUDGET_KB} KB`]);
  rows.push(['  the same, as the server sent it (cross-check)', ...langs.map((l) => `${kb(med(l, (r) => r.transfer.servedPage))} (${med(l, (r) => r.transfer.servedPageCount)} req.)`), '']);
  rows.push(['+ service worker precache after load (offline copy)', ...langs.map((l) => {
    const v = med(l, (r) => r.transfer.sw);
    return `${kb(v)} (${med(l, (r) => r.transfer.swCount)} req.)`;
  }), '(reported)']);
  rows.push(['= everything the first visit downloads', ...langs.map((l) => kb(med(l, (r) => r.transfer.page + r.transfer.sw))), '(reported)']);
  const ms = (v) => (Number.isFinite(v) ? `${Math.round(v)} ms` : 'n/a');
  const sec = (v) => (Number.isFinite(v) ? `${(v / 1000).toFixed(2)} s` : 'n/a');
  rows.push(['Lighthouse FCP / LCP (simulated mobile)', ...langs.map((l) => `${sec(med(l, (r) => r.metrics.fcp))} / ${sec(med(l, (r) => r.metrics.lcp))}`), '(reported)']);
  rows.push(['Lighthouse TBT / CLS', ...langs.map((l) => `${ms(med(l, (r) => r.metrics.tbt))} / ${med(l, (r) => r.metrics.cls).toFixed(3)}`), '(reported)']);
  if (timing) {
    rows.push([`Desk list shown, CPU 4x slower (median of ${RUNS})`, ...langs.map((l) => ms(timing[l][4].median)), '(reported)']);
    rows.push([`Desk list shown, no throttling (median of ${RUNS})`, ...langs.map((l) => ms(timing[l][1].median)), '(reported)']);
    rows.push(['Layout shift (PerformanceObserver, CPU 4x, preset URL, median)', ...langs.map((l) => (Number.isFinite(timing[l][4].cls) ? timing[l][4].cls.toFixed(3) : 'n/a')), '(reported)']);
  }
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

function failedSection(lh) {
  const parts = [];
  for (const lang of LANGS) {
    // The run whose performance score is the median one.
    const runs = [...lh[lang]].sort((a, b) => (a.scores.performance ?? 0) - (b.scores.performance ?? 0));
    const run = runs[Math.floor((runs.length - 1) / 2)];
    const lines = [];
    for (const c of CATEGORIES) {
      for (const f of run.failed[c] || []) {
        const what = f.items.length ? ': ' + f.items.join('; ') : '';
        lines.push(`- ${c} · \`${f.id}\` (score ${f.score}${f.weight ? `, weight ${f.weight}` : ', no weight'}${f.displayValue ? ', ' + f.displayValue : ''}) ${f.title}${what}`);
      }
    }
    let txt = `### ${LANG_NAMES[lang] || lang} (\`#l=${lang}\`, median run)\n\n${lines.length ? lines.join('\n') : 'Every scored audit passed.'}`;
    if (run.errored.length) {
      const msgs = [...new Set(run.errored.map((e) => e.message))];
      txt += `\n\nAudits Lighthouse could not compute (no score, not counted): ${run.errored.map((e) => '`' + e.id + '`').join(', ')}; ${msgs.join(' / ')}`;
    }
    parts.push(txt);
  }
  return parts.join('\n\n');
}

function transferSection(lh) {
  const lang = LANGS[0];
  const run = lh[lang][0];
  const rows = run.transfer.requests.slice().sort((a, b) => (a.kind > b.kind ? 1 : a.kind < b.kind ? -1 : b.bytes - a.bytes))
    .map((r) => `| ${r.kind} | ${r.url} | ${r.status ?? ''} | ${(r.bytes / KB).toFixed(1)} | ${((r.resourceSize || 0) / KB).toFixed(1)} |`);
  return `Requests of the cold load (${LANG_NAMES[lang] || lang}, first Lighthouse run; \`page\` = the page's own, \`page (worker)\` = its hours worker's, \`sw\` = the service worker's precache for offline use):\n\n| by | URL | status | transferred KB | resource KB |\n| --- | --- | --- | --- | --- |\n${rows.join('\n')}`;
}

// ------------------------------------------------------------------ main
async function main() {
  const load0 = loadavg()[0];
  const srv = await serve(SITE);
  log(`serving ${SITE} at ${srv.url}`);
  let lh, timing;
  try {
    lh = await lighthouseRuns(srv);
    timing = await deskListTimes(srv);
  } finally {
    await srv.close();
    for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }
  let siteVersion = '?';
  try { siteVersion = readFileSync(join(SITE, 'version.txt'), 'utf8').trim(); } catch { /* none */ }
  const bi = LANGS.flatMap((l) => lh[l].map((r) => r.benchmarkIndex)).filter(Boolean);
  const warnings = [...new Set(LANGS.flatMap((l) => lh[l].flatMap((r) => r.warnings)))];
  const tbl = table(lh, timing);
  const md = `# Bussola web benchmark

Produced by \`node benchmarks/web/lighthouse.mjs SITE_DIR\` on ${new Date().toISOString().slice(0, 10)}; a benchmark: it reports, it asserts nothing. ⚠ = below target.

${tbl}

- Site: \`${relative(ROOT, SITE).startsWith('..') ? SITE : relative(ROOT, SITE)}\` (version ${siteVersion}), served on 127.0.0.1 with gzip (level 6: html, js, css, json, geojson, svg, webmanifest, bin; not png), no basemap.
- Lighthouse ${versionOf('lighthouse')}, mobile form factor, default simulated throttling (slow 4G, CPU 4x), ${LH_RUNS} cold run(s) per language, median score; ${chromeVersion()}; ${cpus().length} cores, load average ${load0.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end (Lighthouse benchmark index ${bi.length ? Math.round(median(bi)) : '?'}; timings and TBT grow with other work on the machine).
- Transfer: Lighthouse's network records of the cold load of \`#l=LANG\` (headers + gzipped bodies), the requests of the page's hours worker (\`hours-worker.js\` and the \`opening_hours\` chunk) included; 1 KB = 1024 bytes. The service worker, registered once the page is up, then downloads the shell and all data (every category's travel-time grid) for offline use: listed apart, it does not delay the page.
- Desk list: playwright-core ${versionOf('playwright-core')}, fresh context per run (cold HTTP cache, no service worker), 412×823 mobile viewport, hash \`#l=LANG&c=${PRESET.c}&pos=${PRESET.pos}&pn=${PRESET.pn}\`; time from navigation start to the first \`#desk-list > li\` in the DOM, CPU throttled with \`Emulation.setCPUThrottlingRate\`, no network throttling (loopback); median of ${RUNS} after one warm-up run.
${warnings.length ? '- Lighthouse warnings: ' + warnings.join(' / ') + '\n' : ''}
## Audits that did not pass

${failedSection(lh)}

## Transfer detail

${transferSection(lh)}
`;
  console.log(tbl);
  mkdirSync(dirname(resolve(opt.out)), { recursive: true });
  writeFileSync(opt.out, md);
  log(`written ${relative(process.cwd(), resolve(opt.out)) || opt.out}`);
  if (opt.json) writeFileSync(opt.json, JSON.stringify({ lighthouse: lh, timing }, null, 1));
}

main().catch((e) => { console.error(e); process.exit(1); });
