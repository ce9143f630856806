// Browser side of tests/publish/test_web_wms.py: the published bussola page,
// with its WMS overlay served by a real qgis_mapserver, in Debian's chromium
// driven by playwright-core (from web/node_modules, no browser download).
//
//   node web_wms_check.mjs '{"site": "http://127.0.0.1:P/", "wms": "http://127.0.0.1:Q", "hash": "...",
//                            "chromium": "/usr/bin/chromium", "shots": "/tmp/dir"}'
//
// Talks to the pytest over stdout/stdin, one JSON object a line:
//   1. loads the page, makes sure its WMS overlays are off (they are off at load unless the URL says o=), turns
//      them on through Leaflet's layer control after one zoom step: GetMap requests, tiles,
//      screenshots of the map off and on (as seen, and the tile pane alone);
//   2. loads the page with a place and a category in the URL hash, and prints
//      {"event": "up", ...} once no WMS tile is in flight;
//   3. waits for the line "stopped" on stdin (the pytest has stopped qgis_mapserver);
//   4. reloads the page and prints {"event": "down", ...} with every request it made; exits 0.
// Any failure prints {"event": "error", "message": ...} and exits 1. It exits by
// itself after HARD_LIMIT_MS whatever happens. The assertions are in the pytest.
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const require = createRequire(join(ROOT, 'web', 'package.json'));
const { chromium } = require('playwright-core');

const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const HARD_LIMIT_MS = 240_000;
const WAIT_MS = 60_000;

const cfg = JSON.parse(process.argv[2]);
const say = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');
const hardStop = setTimeout(() => { say({ event: 'error', message: `no result within ${HARD_LIMIT_MS} ms` }); process.exit(3); }, HARD_LIMIT_MS);

// One line from the pytest on stdin.
const lines = createInterface({ input: process.stdin });
const nextLine = () => new Promise((ok, fail) => {
  const timer = setTimeout(() => fail(new Error('no word from the pytest on stdin')), WAIT_MS);
  lines.once('line', (l) => { clearTimeout(timer); ok(l.trim()); });
  lines.once('close', () => { clearTimeout(timer); fail(new Error('stdin closed')); });
});

// Minimal PNG decoder (8-bit RGB/RGBA, non-interlaced: what Chromium's screenshots are).
function decodePng(buf) {
  let p = 8, width, height, ctype;
  const idat = [];
  while (p < buf.length) {
    const len = buf.readUInt32BE(p), type = buf.toString('ascii', p + 4, p + 8), data = buf.subarray(p + 8, p + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4); ctype = data[9];
      if (data[8] !== 8 || data[12]) throw new Error('unsupported PNG');
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    p += 12 + len;
  }
  const bpp = ctype === 6 ? 4 : ctype === 2 ? 3 : 0;
  if (!bpp) throw new Error('PNG colour type ' + ctype);
  const raw = inflateSync(Buffer.concat(idat)), stride = width * bpp, px = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)], line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[y * stride + x - bpp] : 0, b = y ? px[(y - 1) * stride + x] : 0;
      const c = x >= bpp && y ? px[(y - 1) * stride + x - bpp] : 0;
      let v = line[x];
      if (f === 1) v += a; else if (f === 2) v += b; else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) { const q = a + b - c, pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c); v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      px[y * stride + x] = v & 255;
    }
  }
  return { width, height, bpp, px };
}
// Share of pixels whose colour differs (sum of the channel differences > `min`) between two screenshots.
function changedShare(pngA, pngB, min = 24) {
  const a = decodePng(pngA), b = decodePng(pngB);
  if (a.width !== b.width || a.height !== b.height) throw new Error(`screenshots differ in size: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  let n = 0;
  for (let i = 0, j = 0; i < a.px.length; i += a.bpp, j += b.bpp) {
    const d = Math.abs(a.px[i] - b.px[j]) + Math.abs(a.px[i + 1] - b.px[j + 1]) + Math.abs(a.px[i + 2] - b.px[j + 2]);
    if (d > min) n++;
  }
  return { share: n / (a.width * a.height), width: a.width, height: a.height };
}
// Width and height from a PNG's IHDR, or null when the bytes are not a PNG.
function pngSize(buf) {
  if (!buf || buf.length < 24 || buf.readUInt32BE(0) !== 0x89504e47 || buf.toString('ascii', 12, 16) !== 'IHDR') return null;
  return [buf.readUInt32BE(16), buf.readUInt32BE(20)];
}

const isGetMap = (url) => url.startsWith(cfg.wms) && /[?&]REQUEST=GetMap(&|$)/i.test(url);
const param = (url, name) => new URL(url).searchParams.get(name) ?? [...new URL(url).searchParams].find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];

// The WMS tiles in the page: Leaflet <img class="leaflet-tile"> whose src is a GetMap on the WMS host.
const wmsTiles = (page, wms) => page.$$eval('img.leaflet-tile', (imgs, origin) => imgs.filter((i) => i.src.startsWith(origin)).map((i) => ({
  layers: new URL(i.src).searchParams.get('layers') || new URL(i.src).searchParams.get('LAYERS'),
  loadedClass: i.classList.contains('leaflet-tile-loaded'), complete: i.complete, naturalWidth: i.naturalWidth,
  naturalHeight: i.naturalHeight,
})), wms);

// The overlay checkboxes of Leaflet's layer control, as a person sees them.
const overlayBoxes = (page) => page.$$eval('.leaflet-control-layers-overlays label', (labels) => labels.map((l) => ({
  name: l.textContent.trim(), checked: l.querySelector('input').checked,
})));

// Open the (collapsed) layer control by hovering it, as a mouse user does, set every overlay
// to `on`, then move the mouse away so the control folds back and does not cover the map.
async function setOverlays(page, on) {
  const control = page.locator('.leaflet-control-layers');
  await control.hover();
  await page.waitForSelector('.leaflet-control-layers-expanded', { timeout: WAIT_MS });
  const inputs = page.locator('.leaflet-control-layers-overlays input.leaflet-control-layers-selector');
  const n = await inputs.count();
  for (let i = 0; i < n; i++) {
    if (on) await inputs.nth(i).check(); else await inputs.nth(i).uncheck();
  }
  await page.mouse.move(2, 2);
  await page.waitForSelector('.leaflet-control-layers-expanded', { state: 'detached', timeout: WAIT_MS });
}

// Wait until the WMS tiles in the page have all finished (at least `min` of them).
async function wmsSettled(page, min = 1) {
  await page.waitForFunction(([o, n]) => {
    const tiles = [...document.querySelectorAll('img.leaflet-tile')].filter((i) => i.src.startsWith(o));
    return tiles.length >= n && tiles.every((i) => i.classList.contains('leaflet-tile-loaded') && i.complete);
  }, [cfg.wms, min], { timeout: WAIT_MS, polling: 200 });
}
// Screenshots of the map: as a person sees it, and "bare" (only Leaflet's tile pane: the
// boundaries drawn by the page, the desk markers and the controls hidden through the CSSOM,
// which the page's Content-Security-Policy allows), to see what the WMS tiles themselves draw.
const HIDE = ['.leaflet-overlay-pane', '.leaflet-shadow-pane', '.leaflet-marker-pane', '.leaflet-control-container'];
async function mapShots(page) {
  const seen = await page.locator('#map').screenshot();
  await page.evaluate((sel) => { for (const e of document.querySelectorAll(sel.join(','))) e.style.visibility = 'hidden'; }, HIDE);
  const bare = await page.locator('#map').screenshot();
  await page.evaluate((sel) => { for (const e of document.querySelectorAll(sel.join(','))) e.style.visibility = ''; }, HIDE);
  return { seen, bare };
}

async function main() {
  const browser = await chromium.launch({ executablePath: cfg.chromium, args: LAUNCH_ARGS, headless: true, timeout: WAIT_MS });
  try {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'block', locale: 'en-GB' });
    ctx.setDefaultTimeout(WAIT_MS);
    let phase = 'load';
    const requests = [], failed = [], getmaps = [], bodies = [];
    ctx.on('request', (r) => requests.push({ url: r.url(), phase }));
    ctx.on('requestfailed', (r) => failed.push({ url: r.url(), phase, error: r.failure()?.errorText || '' }));
    ctx.on('response', (res) => {
      const url = res.url();
      if (!isGetMap(url)) return;
      const row = { url, phase, status: res.status(), type: res.headers()['content-type'] || '', layers: param(url, 'LAYERS'),
        crs: param(url, 'CRS') || param(url, 'SRS'), png: null, bytes: 0 };
      getmaps.push(row);
      bodies.push(res.body().then((b) => { row.png = pngSize(b); row.bytes = b.length; }).catch((e) => { row.error = String(e); }));
    });
    const page = await ctx.newPage();
    const pageErrors = [], consoleErrors = [];
    page.on('pageerror', (e) => pageErrors.push({ phase, message: e.message }));
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push({ phase, text: m.text() }); });

    // 1. The page loads, with the WMS server up.
    await page.goto(cfg.site + '#l=en', { timeout: WAIT_MS });
    await page.waitForFunction(() => document.body.classList.contains('ready'), null, { timeout: WAIT_MS });
    await page.waitForSelector('#desk-list > li', { timeout: WAIT_MS });
    await page.waitForSelector('.leaflet-control-layers', { state: 'attached', timeout: WAIT_MS });
    const atLoad = await overlayBoxes(page);
    const mapBox = await page.locator('#map').boundingBox();
    if (atLoad.some((b) => b.checked)) await wmsSettled(page);

    // 2. Overlays off through the layer control, then one zoom step in (the "+" button), so that
    //    turning them on needs tiles the browser has never fetched: no image cache can answer.
    phase = 'off';
    await setOverlays(page, false);
    const whenOff = await overlayBoxes(page);
    await page.waitForFunction((o) => ![...document.querySelectorAll('img.leaflet-tile')].some((i) => i.src.startsWith(o)), cfg.wms, { timeout: WAIT_MS });
    await page.click('.leaflet-control-zoom-in');
    await page.mouse.move(2, 2);
    await page.waitForTimeout(600);
    await page.waitForFunction(() => !document.querySelector('#map.leaflet-zoom-anim'), null, { timeout: WAIT_MS });
    await page.waitForTimeout(400); // Leaflet's fade animations
    const off = await mapShots(page);

    // 3. Overlays on: GetMap requests to the QGIS Server, tiles loaded, the map drawn differently.
    phase = 'on';
    await setOverlays(page, true);
    const whenOn = await overlayBoxes(page);
    await wmsSettled(page);
    await page.waitForTimeout(600); // fade-in of the last tiles
    const tiles = await wmsTiles(page, cfg.wms);
    const on = await mapShots(page);
    await Promise.all(bodies.splice(0));
    const diff = changedShare(off.seen, on.seen), diffFaint = changedShare(off.seen, on.seen, 3), diffBare = changedShare(off.bare, on.bare);
    if (cfg.shots) {
      for (const [name, png] of [['off', off.seen], ['on', on.seen], ['off_bare', off.bare], ['on_bare', on.bare]]) {
        writeFileSync(join(cfg.shots, `map_overlay_${name}.png`), png);
      }
    }

    // 4. A place and a category through the URL hash, loaded afresh: the list with the WMS server up.
    phase = 'up-list';
    await page.goto(cfg.site + '#' + cfg.hash, { timeout: WAIT_MS });
    await page.reload({ timeout: WAIT_MS });
    await page.waitForFunction(() => document.body.classList.contains('ready'), null, { timeout: WAIT_MS });
    await page.waitForSelector('#desk-list > li', { timeout: WAIT_MS });
    const listUp = await page.$$eval('#desk-list > li', (l) => l.map((x) => [x.dataset.id, x.dataset.minutes]));
    if ((await overlayBoxes(page)).some((b) => b.checked)) await wmsSettled(page); // nothing in flight when the server stops
    await Promise.all(bodies.splice(0));

    say({ event: 'up', atLoad, whenOff, whenOn, mapBox, tiles, diff, diffFaint, diffBare, getmaps: getmaps.slice(), listUp });

    // 5. The pytest stops qgis_mapserver; the page is reloaded (no service worker in this context).
    const word = await nextLine();
    if (word !== 'stopped') throw new Error(`unexpected word from the pytest: ${word}`);
    phase = 'down';
    await page.evaluate(() => { window.__beforeReload = true; });
    await page.reload({ timeout: WAIT_MS });
    const reloaded = await page.evaluate(() => window.__beforeReload !== true);
    await page.waitForFunction(() => document.body.classList.contains('ready'), null, { timeout: WAIT_MS });
    await page.waitForSelector('#desk-list > li', { timeout: WAIT_MS });
    // the overlay is still asked for, and fails: wait until the browser has given up on at least one tile
    const deadline = Date.now() + WAIT_MS;
    while (!failed.some((f) => f.phase === 'down' && isGetMap(f.url)) && Date.now() < deadline) await page.waitForTimeout(200);
    await page.waitForTimeout(500);
    const listDown = await page.$$eval('#desk-list > li', (l) => l.map((x) => [x.dataset.id, x.dataset.minutes]));
    const summary = (await page.textContent('#results-summary')) || '';
    const firstVisible = await page.locator('#desk-list > li').first().isVisible();
    const hash = await page.evaluate(() => location.hash);
    if (cfg.shots) await page.screenshot({ path: join(cfg.shots, 'page_wms_down.png') });
    await Promise.all(bodies.splice(0));
    await ctx.close();
    say({ event: 'down', reloaded, listDown, summary, firstVisible, hash, getmaps, failed, pageErrors, consoleErrors, requests });
  } finally {
    await browser.close().catch(() => {});
  }
}

main().then(() => { clearTimeout(hardStop); lines.close(); process.exit(0); })
  .catch((e) => { say({ event: 'error', message: String(e && e.stack || e) }); process.exit(1); });
