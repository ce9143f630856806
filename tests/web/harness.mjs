// Shared pieces of the bussola browser tests: the site to test, a static
// HTTP server on 127.0.0.1, Debian's chromium through playwright-core, a
// PNG decoder for pixel checks and the Python oracle.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, inflateSync } from 'node:zlib';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(HERE, '..', '..');
export const WEB = join(ROOT, 'web');
const require = createRequire(join(WEB, 'package.json'));
export const { chromium } = require('playwright-core');
export const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const LAUNCH_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
export const LANGS = ['it', 'en', 'fr', 'ar', 'bn', 'uk', 'zh'];
export const NOW = '2026-11-28T10:00'; // a Saturday, Europe/Rome wall time
export const LIDO = { lon: 12.3677, lat: 45.4163 };

const tmpDirs = [];
export function tmp(prefix) {
  const d = mkdtempSync(join(tmpdir(), prefix));
  tmpDirs.push(d);
  return d;
}
export function cleanup() { for (const d of tmpDirs.splice(0)) rmSync(d, { recursive: true, force: true }); }

// The site under test: SITE_DIR (a published site) or a fixture built from web/dist.
let fixture = null;
export function siteDir() {
  if (process.env.SITE_DIR) {
    const s = resolve(process.env.SITE_DIR);
    if (!existsSync(join(s, 'data', 'meta.json'))) throw new Error(`SITE_DIR=${s} has no data/meta.json`);
    return s;
  }
  if (!fixture) {
    if (!existsSync(join(WEB, 'dist', 'index.html'))) throw new Error('web/dist missing: run `npm run build` in web/ (make web-build)');
    fixture = join(tmp('bussola-site-'), 'site');
    execFileSync('python3', [join(HERE, 'make_fixture_site.py'), '--dist', join(WEB, 'dist'), '--out', fixture], { stdio: 'pipe' });
  }
  return fixture;
}

// Copy of a site with other basemap/WMS settings (meta.json and the CSP's img-src).
export function siteCopy(src, { basemap = null, wms = null } = {}) {
  const out = join(tmp('bussola-copy-'), 'site');
  cpSync(src, out, { recursive: true });
  const metaPath = join(out, 'data', 'meta.json');
  const meta = JSON.parse(readFileSync(metaPath, 'utf8'));
  meta.basemap = basemap;
  meta.wms = wms;
  writeFileSync(metaPath, JSON.stringify(meta));
  const hosts = [basemap && basemap.url, wms && wms.url].filter(Boolean).map((u) => new URL(u.replace(/[{}]/g, '')).origin);
  const idx = join(out, 'index.html');
  if (hosts.length) writeFileSync(idx, readFileSync(idx, 'utf8').replace(/(img-src [^;"]*)/, `$1 ${hosts.join(' ')}`));
  return out;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.geojson': 'application/geo+json', '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml', '.png': 'image/png', '.bin': 'application/octet-stream', '.txt': 'text/plain; charset=utf-8',
};
// Static server with gzip (like any production host); logs bytes sent per request.
export function serve(dir, { handler } = {}) {
  const log = [];
  const server = createServer((req, res) => {
    if (handler && handler(req, res)) return;
    const url = new URL(req.url, 'http://x');
    let path = decodeURIComponent(url.pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found');
      log.push({ path: url.pathname, status: 404, bytes: 9 });
      return;
    }
    let body = readFileSync(file);
    const type = TYPES[extname(file)] || 'application/octet-stream';
    const etag = '"' + createHash('sha1').update(body).digest('hex').slice(0, 16) + '"';
    const headers = { 'content-type': type, 'cache-control': 'no-cache', etag };
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers); res.end();
      log.push({ path: url.pathname, status: 304, bytes: 0 });
      return;
    }
    if (/gzip/.test(req.headers['accept-encoding'] || '') && !type.startsWith('image/png')) {
      body = gzipSync(body, { level: 9 }); headers['content-encoding'] = 'gzip';
    }
    headers['content-length'] = body.length;
    res.writeHead(200, headers); res.end(body);
    log.push({ path: url.pathname, status: 200, bytes: body.length });
  });
  return new Promise((ok) => server.listen(0, '127.0.0.1', () => {
    const { port } = server.address();
    ok({ url: `http://127.0.0.1:${port}/`, origin: `http://127.0.0.1:${port}`, log,
      close: () => new Promise((done) => { server.closeAllConnections?.(); server.close(() => done()); }) });
  }));
}

export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS, headless: true });
}

export function oracleOrder(site, category, { lon, lat }) {
  const out = execFileSync('python3', [join(HERE, 'oracle.py'), 'order', '--site', site, '--category', category,
    '--lon', String(lon), '--lat', String(lat)], { encoding: 'utf8' });
  return JSON.parse(out);
}
export function oracleOpen(site, at) {
  return JSON.parse(execFileSync('python3', [join(HERE, 'oracle.py'), 'open', '--site', site, '--at', at], { encoding: 'utf8' }));
}
export const readMeta = (site) => JSON.parse(readFileSync(join(site, 'data', 'meta.json'), 'utf8'));
export const readServices = (site) => JSON.parse(readFileSync(join(site, 'data', 'services.geojson'), 'utf8'));

// Minimal PNG decoder (8-bit RGB/RGBA, non-interlaced: what Chromium writes).
export function decodePng(buf) {
  let p = 8, width, height, ctype, idat = [];
  while (p < buf.length) {
    const len = buf.readUInt32BE(p), type = buf.toString('ascii', p + 4, p + 8), data = buf.subarray(p + 8, p + 8 + len);
    if (type === 'IHDR') { width = data.readUInt32BE(0); height = data.readUInt32BE(4); ctype = data[9]; if (data[8] !== 8 || data[12]) throw new Error('unsupported PNG'); }
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    p += 12 + len;
  }
  const bpp = ctype === 6 ? 4 : ctype === 2 ? 3 : (() => { throw new Error('PNG colour type ' + ctype); })();
  const raw = inflateSync(Buffer.concat(idat)), stride = width * bpp, px = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)], line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? px[y * stride + x - bpp] : 0, b = y ? px[(y - 1) * stride + x] : 0, c = x >= bpp && y ? px[(y - 1) * stride + x - bpp] : 0;
      let v = line[x];
      if (f === 1) v += a; else if (f === 2) v += b; else if (f === 3) v += (a + b) >> 1;
      else if (f === 4) { const q = a + b - c, pa = Math.abs(q - a), pb = Math.abs(q - b), pc = Math.abs(q - c); v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      px[y * stride + x] = v & 255;
    }
  }
  return { width, height, bpp, px };
}
// Share of pixels that differ from the most common colour (the background).
export function nonBackgroundShare(png) {
  const { width, height, bpp, px } = decodePng(png);
  const counts = new Map();
  const key = (i) => (px[i] << 16) | (px[i + 1] << 8) | px[i + 2];
  for (let i = 0; i < px.length; i += bpp) counts.set(key(i), (counts.get(key(i)) || 0) + 1);
  const bg = [...counts.entries()].sort((a, b) => b[1] - a[1])[0][0];
  let n = 0;
  for (let i = 0; i < px.length; i += bpp) {
    const k = key(i);
    const d = Math.abs((k >> 16) - (bg >> 16)) + Math.abs(((k >> 8) & 255) - ((bg >> 8) & 255)) + Math.abs((k & 255) - (bg & 255));
    if (d > 24) n++;
  }
  return { share: n / (width * height), colours: counts.size, width, height };
}

// Ids of the listed desks, in order (reachable list, then the "more than max" list).
export async function listedIds(page) {
  return page.$$eval('#desk-list > li, #far-list > li', (lis) => lis.map((li) => li.dataset.id));
}
export async function listedRows(page) {
  return page.$$eval('#desk-list > li, #far-list > li', (lis) => lis.map((li) => [li.dataset.id, li.dataset.minutes === '' ? null : Number(li.dataset.minutes)]));
}
export async function ready(page) {
  await page.waitForFunction(() => document.body.classList.contains('ready'), null, { timeout: 20000 });
}
// The map is loaded when it is on screen or near it (at once beside the list on a wide
// screen; on a phone when scrolled to): scroll to it and wait for it.
export async function mapShown(page) {
  await page.locator('#map').scrollIntoViewIfNeeded();
  await page.waitForFunction(() => document.body.classList.contains('map-ready'), null, { timeout: 20000 });
}
