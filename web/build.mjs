// Build the bussola's static skeleton into web/dist/ (no data: the publish step
// writes dist/data/). esbuild bundles src/main.js (+ the UI strings) into app.js,
// an ES module, and the CSS (with Leaflet's) into app.css. Leaflet is imported with
// import() when the map comes on screen; the opening hours (src/hours.js with the
// opening_hours library) are evaluated in a module worker, hours-worker.js, its own
// entry point: esbuild splits the libraries into chunks/ (the service worker
// precaches those too). Icons are rasterised here so that no image tool is needed.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const src = join(here, 'src');
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(join(dist, 'icons'), { recursive: true });

await build({
  entryPoints: { app: join(src, 'main.js'), 'hours-worker': join(src, 'hours-worker.js') },
  bundle: true,
  minify: true,
  format: 'esm',
  splitting: true,
  target: ['es2020'],
  outdir: dist,
  chunkNames: 'chunks/[name]-[hash]',
  loader: { '.png': 'file', '.svg': 'file' },
  assetNames: 'assets/[name]-[hash]',
  legalComments: 'linked',
  logLevel: 'warning',
});

copyFileSync(join(src, 'index.html'), join(dist, 'index.html'));
copyFileSync(join(src, 'manifest.webmanifest'), join(dist, 'manifest.webmanifest'));
copyFileSync(join(src, 'icons', 'icon.svg'), join(dist, 'icons', 'icon.svg'));

// --- PNG icons (a compass: white disc, blue ring, blue/red needle), 4x4 supersampled
function crc32(buf) {
  let c, crc = 0xffffffff;
  for (let n = 0; n < buf.length; n++) {
    c = (crc ^ buf[n]) & 0xff;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    crc = (crc >>> 8) ^ c;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}
function inTri(px, py, [ax, ay], [bx, by], [cx, cy]) {
  const s = (x1, y1, x2, y2, x3, y3) => (x1 - x3) * (y2 - y3) - (x2 - x3) * (y1 - y3);
  const d1 = s(px, py, ax, ay, bx, by), d2 = s(px, py, bx, by, cx, cy), d3 = s(px, py, cx, cy, ax, ay);
  return !(((d1 < 0) || (d2 < 0) || (d3 < 0)) && ((d1 > 0) || (d2 > 0) || (d3 > 0)));
}
function icon(size) {
  const blue = [11, 79, 138], red = [214, 39, 40], white = [255, 255, 255];
  const raw = Buffer.alloc(size * (size * 4 + 1));
  const SS = 4;
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const acc = [0, 0, 0, 0];
      for (let sy = 0; sy < SS; sy++) for (let sx = 0; sx < SS; sx++) {
        const u = ((x + (sx + 0.5) / SS) / size) * 64, v = ((y + (sy + 0.5) / SS) / size) * 64;
        const r = Math.hypot(u - 32, v - 32);
        let col = null;
        if (r <= 32) col = r > 27 ? blue : white; // maskable: full-bleed disc
        if (inTri(u, v, [32, 9], [39, 32], [25, 32])) col = red;
        else if (inTri(u, v, [32, 55], [39, 32], [25, 32])) col = blue;
        if (r <= 3.5) col = white;
        if (col) { acc[0] += col[0]; acc[1] += col[1]; acc[2] += col[2]; acc[3] += 255; }
      }
      const o = y * (size * 4 + 1) + 1 + x * 4;
      const a = acc[3] / (SS * SS);
      raw[o] = a ? Math.round(acc[0] / (acc[3] / 255)) : 0;
      raw[o + 1] = a ? Math.round(acc[1] / (acc[3] / 255)) : 0;
      raw[o + 2] = a ? Math.round(acc[2] / (acc[3] / 255)) : 0;
      raw[o + 3] = Math.round(a);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0); ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}
for (const s of [192, 512]) writeFileSync(join(dist, 'icons', `icon-${s}.png`), icon(s));

// --- service worker: version = hash of the shell, list of shell files to precache
function walk(dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}
const shellFiles = walk(dist).map((p) => relative(dist, p).split('\\').join('/'))
  .filter((f) => !f.endsWith('.map') && !f.endsWith('.LEGAL.txt')).sort();
const hash = createHash('sha256');
for (const f of shellFiles) hash.update(f).update(readFileSync(join(dist, f)));
const version = hash.digest('hex').slice(0, 12);
const sw = readFileSync(join(src, 'sw.js'), 'utf8')
  .replace('__BUSSOLA_VERSION__', version)
  .replace('__BUSSOLA_SHELL__', JSON.stringify(['./', ...shellFiles]));
writeFileSync(join(dist, 'sw.js'), sw);
writeFileSync(join(dist, 'version.txt'), version + '\n');

const sizes = shellFiles.map((f) => [f, statSync(join(dist, f)).size]);
const gz = (f) => (f.endsWith('.png') ? statSync(join(dist, f)).size : deflateSync(readFileSync(join(dist, f)), { level: 9 }).length);
console.log(`built web/dist (version ${version})`);
for (const [f, n] of sizes) console.log(`  ${f.padEnd(32)} ${String(n).padStart(8)} B  ~${gz(f)} B compressed`);
