// Browser tests of the bussola page (issue 10), with Node's test runner,
// playwright-core and Debian's chromium. Run: make test-web
// (or: node --test --test-concurrency=1 tests/web/). SITE_DIR=... tests a published site.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as H from './harness.mjs';

const SHOTS = join(H.HERE, 'screenshots');
let browser, site, srv, meta, services;

before(async () => {
  site = H.siteDir();
  meta = H.readMeta(site);
  services = H.readServices(site).features.map((f) => f.properties);
  srv = await H.serve(site);
  browser = await H.launch();
});
after(async () => {
  await browser?.close();
  await srv?.close();
  H.cleanup();
});

async function open(hash, { viewport = { width: 390, height: 844 }, now = H.NOW, ctxOptions = {}, sw = 'block' } = {}) {
  const ctx = await browser.newContext({ viewport, serviceWorkers: sw, locale: 'en-GB', ...ctxOptions });
  const page = await ctx.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(srv.url + (now ? '?now=' + now : '') + '#' + hash);
  await H.ready(page);
  return { ctx, page, errors };
}
const catLabel = (id, lang) => meta.categories.find((c) => c.id === id).labels[lang];
const categoryOf = (id) => services.filter((s) => s.categories.includes(id)).map((s) => s.id);

describe('bussola', () => {
  test('1. loads, lists every desk, map and list are not blank, markers have names', async () => {
    const { ctx, page, errors } = await open('l=it', { viewport: { width: 1280, height: 900 } });
    const ids = await H.listedIds(page);
    assert.deepEqual([...ids].sort(), services.map((s) => s.id).sort(), 'every desk of services.geojson is listed');
    assert.equal(await page.locator('html').getAttribute('lang'), 'it');
    // markers: every desk is on the map, either as its own marker or inside a group marker (desks
    // closer than a 44 px target at this zoom); each marker is a focusable button naming its desks,
    // and no two markers overlap (each keeps a whole 44 px target)
    const markers = () => page.$$eval('.desk-marker', (els) => els.map((e) => {
      const r = e.getBoundingClientRect();
      return { id: e.dataset.id, ids: e.dataset.ids ? e.dataset.ids.split(' ') : [e.dataset.id], label: e.getAttribute('aria-label'),
        role: e.getAttribute('role'), tab: e.tabIndex, box: [r.left, r.top, r.width, r.height] };
    }));
    const checkMarkers = (ms) => {
      assert.deepEqual(ms.flatMap((m) => m.ids).sort(), services.map((s) => s.id).sort(), 'every desk once on the map');
      for (const m of ms) {
        for (const id of m.ids) {
          const s = services.find((x) => x.id === id);
          assert.ok(m.label && (m.ids.length === 1 ? m.label.startsWith(s.name) : m.label.includes(s.name)), `marker ${m.ids} names ${s.name}: ${m.label}`);
        }
        assert.equal(m.role, 'button'); assert.equal(m.tab, 0);
        assert.ok(m.box[2] >= 44 && m.box[3] >= 44, `marker ${m.ids} is a 44 px target`);
      }
      for (const a of ms) for (const b of ms) {
        if (a === b) continue;
        const apart = a.box[0] + a.box[2] <= b.box[0] + 0.5 || b.box[0] + b.box[2] <= a.box[0] + 0.5
          || a.box[1] + a.box[3] <= b.box[1] + 0.5 || b.box[1] + b.box[3] <= a.box[1] + 0.5;
        assert.ok(apart, `markers ${a.ids} and ${b.ids} do not overlap`);
      }
    };
    const ms = await markers();
    checkMarkers(ms);
    // a group marker, pressed with the keyboard, zooms in until its desks have markers of their own
    const group = ms.filter((m) => m.ids.length > 1).sort((a, b) => b.ids.length - a.ids.length)[0];
    if (group) {
      let members = group.ids;
      for (let i = 0; i < 8; i++) {
        const sel = `.desk-cluster[data-ids~="${members[0]}"]`;
        if (!(await page.$(sel))) break;
        await page.focus(sel);
        await page.keyboard.press('Enter');
        await page.waitForFunction(() => !document.querySelector('#map.leaflet-zoom-anim'));
        await page.waitForTimeout(350);
        assert.ok(await page.evaluate((id) => (document.activeElement.dataset.id || document.activeElement.dataset.ids || '').split(' ').includes(id), members[0]),
          'focus stays on the marker holding the first desk');
      }
      const own = await page.$$eval('.desk-marker[data-id]', (els) => els.map((e) => e.dataset.id));
      for (const id of members) assert.ok(own.includes(id), `${id} has its own marker after zooming in`);
      const after = (await markers()).filter((m) => m.box[0] > -50 && m.box[1] > -50 && m.box[0] < 1280 && m.box[1] < 900);
      for (const a of after) for (const b of after) if (a !== b) assert.ok(Math.hypot(a.box[0] - b.box[0], a.box[1] - b.box[1]) >= 44, `${a.ids}/${b.ids} apart`);
      await page.click('.leaflet-control-zoom-out'); // back out, for the pixel checks below
      await page.waitForTimeout(400);
    }
    // pixel checks: the list and the map draw something besides their background
    const list = H.nonBackgroundShare(await page.locator('#results').screenshot());
    const map = H.nonBackgroundShare(await page.locator('#map').screenshot());
    assert.ok(list.share > 0.05, `list has content (${(list.share * 100).toFixed(1)} % non-background)`);
    assert.ok(map.share > 0.02, `map has content (${(map.share * 100).toFixed(1)} % non-background)`);
    assert.ok(map.colours > 20, 'map is not a flat colour');
    // data date line, formatted with Intl in Italian
    const upd = await page.textContent('#updated');
    const expected = new Intl.DateTimeFormat('it', { dateStyle: 'long' }).format(new Date(meta.updated_at + 'T12:00'));
    assert.ok(upd.includes(expected), `${upd} mentions ${expected}`);
    // CSP meta present and strict
    const csp = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
    assert.match(csp, /default-src 'self'/); assert.match(csp, /script-src 'self'(;|$)/);
    assert.deepEqual(errors, []);
    await ctx.close();
  });

  test('2. Arabic is RTL with Arabic labels and a mirrored layout; Chinese and Bengali render without tofu', async () => {
    const wide = { width: 1280, height: 900 };
    const it = await open('l=it', { viewport: wide });
    const ar = await open('l=ar', { viewport: wide });
    assert.equal(await ar.page.getAttribute('html', 'dir'), 'rtl');
    assert.equal(await ar.page.getAttribute('html', 'lang'), 'ar');
    assert.equal(await it.page.getAttribute('html', 'dir'), 'ltr');
    const labels = await ar.page.$$eval('.cat-label', (els) => els.map((e) => e.textContent));
    assert.deepEqual(labels, meta.categories.map((c) => c.labels.ar));
    for (const l of labels) assert.match(l, /[\u0600-\u06FF]/);
    const boxes = async (p) => ({ controls: await p.locator('.controls').boundingBox(), map: await p.locator('#map').boundingBox() });
    const bi = await boxes(it.page), ba = await boxes(ar.page);
    assert.ok(bi.controls.x < bi.map.x, 'Italian: list panel left of the map');
    assert.ok(ba.controls.x > ba.map.x, 'Arabic: list panel right of the map');
    // text starts at the right edge in Arabic: a heading's right edge sits at the panel's right padding
    const h = await ar.page.evaluate(() => {
      const r = document.querySelector('#where-h').getBoundingClientRect(), s = document.querySelector('#where').getBoundingClientRect();
      const range = document.createRange(); range.selectNodeContents(document.querySelector('#where-h'));
      const t = range.getBoundingClientRect();
      return { textRight: t.right, textLeft: t.left, boxRight: r.right, sectionLeft: s.left, align: getComputedStyle(document.querySelector('button.desk')).direction };
    });
    assert.ok(h.boxRight - h.textRight < 2, 'Arabic heading text hugs the right edge');
    assert.equal(h.align, 'rtl');
    await it.ctx.close(); await ar.ctx.close();

    for (const [lang, script, fontRe] of [['zh', /[\u4E00-\u9FFF]/, /CJK|SC|Hei|Han/i], ['bn', /[\u0980-\u09FF]/, /Bengali|Bangla/i]]) {
      const { ctx, page } = await open('l=' + lang);
      const label = await page.locator('.cat-label').first();
      const text = await label.textContent();
      assert.equal(text, meta.categories[0].labels[lang]); assert.match(text, script);
      // (a) chromium's own report of the fonts used for the label
      const cdp = await ctx.newCDPSession(page);
      await cdp.send('DOM.enable'); await cdp.send('CSS.enable');
      const { root } = await cdp.send('DOM.getDocument');
      const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '.cat-label' });
      const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
      assert.ok(fonts.some((f) => fontRe.test(f.familyName) && f.glyphCount > 0), `${lang} glyphs from a real font: ${JSON.stringify(fonts)}`);
      // (b) pixels: every character of the label differs from the missing-glyph box
      const r = await page.evaluate((txt) => {
        const font = getComputedStyle(document.querySelector('.cat-label')).font;
        const draw = (s) => {
          const c = document.createElement('canvas'); c.width = 64; c.height = 64;
          const g = c.getContext('2d'); g.font = font.replace(/\d+(\.\d+)?px/, '40px'); g.fillStyle = '#000'; g.textBaseline = 'middle';
          g.fillText(s, 4, 32);
          const d = g.getImageData(0, 0, 64, 64).data; let h = 0, ink = 0;
          for (let i = 3; i < d.length; i += 4) { h = (h * 31 + d[i]) >>> 0; if (d[i]) ink++; }
          return { hash: h, ink, width: g.measureText(s).width };
        };
        const missing = draw('\u{10FFFD}');
        const chars = [...new Set([...txt].filter((ch) => ch.trim()))];
        return { missing, glyphs: chars.map((ch) => ({ ch, ...draw(ch) })) };
      }, text);
      const tofu = r.glyphs.filter((g) => g.hash === r.missing.hash || g.ink === 0);
      assert.deepEqual(tofu.map((g) => g.ch), [], `${lang}: no tofu`);
      assert.ok(new Set(r.glyphs.map((g) => g.hash)).size >= Math.min(4, r.glyphs.length), `${lang}: distinct glyphs`);
      await ctx.close();
    }
  });

  test('3. travel-time order from the grids and "open now" at Saturday 10:00 match the oracle', async () => {
    const cat = 'italian_courses';
    assert.ok(meta.categories.some((c) => c.id === cat), 'category id from styles/categories.json');
    const points = [['Lido', H.LIDO], ['Mestre', { lon: 12.2424, lat: 45.4906 }], ['Marghera', { lon: 12.229, lat: 45.472 }]];
    for (const [name, p] of points) {
      for (const c of [cat, 'legal']) {
        const want = H.oracleOrder(site, c, p);
        const { ctx, page } = await open(`l=en&c=${c}&pos=${p.lon},${p.lat}&far=1`);
        const got = await H.listedRows(page);
        assert.deepEqual(got, want, `${name}/${c}: order and minutes equal the oracle's`);
        if (name !== 'Lido') assert.ok(want.filter((r) => r[1] !== 255).length >= 2, `${name}/${c}: several desks in reach (non-trivial order)`);
        await ctx.close();
      }
    }
    // Lido: the nearest Italian course is on the Lido; the rest are "more than 60 min", behind a toggle
    const { ctx, page } = await open(`l=en&c=${cat}&pos=${H.LIDO.lon},${H.LIDO.lat}`);
    const want = H.oracleOrder(site, cat, H.LIDO);
    assert.deepEqual(await page.$$eval('#desk-list > li', (l) => l.map((x) => x.dataset.id)), want.filter((r) => r[1] !== 255).map((r) => r[0]));
    assert.equal(await page.isVisible('#far-list'), false);
    const max = meta.times.max_minutes;
    await page.click('#far-toggle');
    assert.equal(await page.isVisible('#far-list'), true);
    assert.match(await page.textContent('#far-list li .desk-time'), new RegExp(`more than ${max}`));
    // open now, Saturday 2026-11-28 10:00 Europe/Rome
    await page.check('#when-now');
    const openNow = H.oracleOpen(site, H.NOW).filter((id) => categoryOf(cat).includes(id));
    await page.waitForFunction((n) => document.querySelectorAll('#desk-list > li, #far-list > li').length === n, openNow.length);
    assert.deepEqual((await H.listedIds(page)).sort(), openNow.sort(), 'open now = oracle');
    // open at a chosen day and time: Monday 15:30
    await page.check('#when-at');
    await page.selectOption('#day', '1');
    await page.fill('#time', '15:30');
    await page.dispatchEvent('#time', 'change');
    const openMon = H.oracleOpen(site, '2026-11-30T15:30').filter((id) => categoryOf(cat).includes(id));
    await page.waitForFunction((n) => document.querySelectorAll('#desk-list > li, #far-list > li').length === n, openMon.length);
    assert.deepEqual((await H.listedIds(page)).sort(), openMon.sort(), 'open Monday 15:30 = oracle');
    await ctx.close();
    // the same "now" given as an instant, on a phone set to New York: still Europe/Rome hours
    const ny = await browser.newContext({ timezoneId: 'America/New_York', serviceWorkers: 'block', locale: 'en-US' });
    await ny.addInitScript(() => { window.__BUSSOLA_NOW__ = '2026-11-28T09:00:00Z'; });
    const p2 = await ny.newPage();
    await p2.goto(srv.url + `#l=en&c=${cat}&w=now`);
    await H.ready(p2);
    assert.deepEqual((await H.listedIds(p2)).sort(), openNow.sort(), 'Rome time whatever the device zone');
    // the card's status line for an open desk: closes at the end of its interval
    if (openNow.length) {
      await p2.click(`li[data-id="${openNow[0]}"] button`);
      const status = await p2.textContent('.card-status');
      assert.match(status, /Open now · closes at \d{1,2}:\d{2}/);
    }
    await ny.close();
  });

  test('4. a share link reopens the same state; offline reload still shows the list', async () => {
    const { ctx, page } = await open(`l=fr&c=legal&w=at&d=1&t=10:00&far=1&pos=${H.LIDO.lon},${H.LIDO.lat}`);
    await page.click('#more-filters > summary');
    await page.check('#sl-ar');
    await page.check('#noappt');
    await page.uncheck('#noappt');
    await page.check('#stepfree');
    const first = (await H.listedIds(page))[0];
    assert.ok(first, 'some desk matches the shared filters');
    await page.click(`li[data-id="${first}"] button`);
    await page.waitForSelector('#share-url');
    await page.uncheck('#share-pos');
    const noPos = await page.inputValue('#share-url');
    assert.ok(!/pos=/.test(noPos), 'no position in the link unless ticked');
    await page.check('#share-pos');
    const link = await page.inputValue('#share-url');
    assert.match(link, /pos=12\.36770%2C45\.41630/);
    const before = { ids: await H.listedIds(page), card: await page.textContent('#card-h') };
    await ctx.close();
    const c2 = await browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: 'block' });
    const p2 = await c2.newPage();
    await p2.goto(link);
    await H.ready(p2);
    assert.equal(await p2.getAttribute('html', 'lang'), 'fr');
    assert.equal(await p2.isChecked('#cat-legal'), true);
    assert.equal(await p2.isChecked('#when-at'), true);
    assert.equal(await p2.inputValue('#day'), '1');
    assert.equal(await p2.inputValue('#time'), '10:00');
    assert.equal(await p2.isChecked('#sl-ar'), true);
    assert.equal(await p2.isChecked('#stepfree'), true);
    assert.equal(await p2.isChecked('#noappt'), false);
    assert.deepEqual(await H.listedIds(p2), before.ids);
    assert.equal(await p2.textContent('#card-h'), before.card);
    await c2.close();

    // offline: first visit online installs the service worker and caches data and grids
    const c3 = await browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: 'allow' });
    const p3 = await c3.newPage();
    await p3.goto(srv.url + '?now=' + H.NOW + '#l=en');
    await H.ready(p3);
    await p3.evaluate(async () => { await navigator.serviceWorker.ready; });
    await p3.waitForFunction(() => !!navigator.serviceWorker.controller, null, { timeout: 15000 });
    const grids = Object.values(meta.times.categories).map((c) => 'data/' + c.file);
    await p3.waitForFunction(async (files) => {
      const keys = await caches.keys(); if (!keys.length) return false;
      const c = await caches.open(keys[0]);
      for (const f of files) if (!(await c.match(f))) return false;
      return true;
    }, grids, { timeout: 15000, polling: 250 });
    await c3.setOffline(true);
    await p3.goto(srv.url + '?now=' + H.NOW + `#l=en&c=italian_courses&pos=${H.LIDO.lon},${H.LIDO.lat}&far=1`);
    await p3.reload();
    await H.ready(p3);
    assert.deepEqual(await H.listedRows(p3), H.oracleOrder(site, 'italian_courses', H.LIDO), 'offline list with grid times');
    assert.equal(await p3.isVisible('#offline'), true, 'says it is offline');
    // the hours worker and its opening_hours chunk come from the cache too: every status line is filled
    assert.equal(await p3.locator('.desk-open.pending').count(), 0, 'offline: no status line left pending');
    assert.ok((await p3.$$eval('.desk-open', (l) => l.map((e) => e.textContent))).every((x) => /open|closed|unknown/i.test(x)), 'offline: open/closed lines');
    await c3.close();
  });

  test('5. axe-core finds no violation in any of the 7 languages; touch targets >= 44 px', async () => {
    for (const lang of H.LANGS) {
      for (const hash of [`l=${lang}`, `l=${lang}&c=italian_courses&pos=${H.LIDO.lon},${H.LIDO.lat}&desk=VE-12&far=1`]) {
        const { ctx, page } = await open(hash);
        await H.mapShown(page); // on a phone the map loads when scrolled to: check it too
        await page.evaluate(H.AXE_SOURCE);
        const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
        const v = res.violations.map((x) => `${x.id} (${x.impact}): ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')}`);
        assert.deepEqual(v, [], `${hash}: axe violations`);
        assert.ok(res.passes.length > 20, 'axe ran its rules');
        if (hash.includes('desk')) {
          const small = await page.evaluate(() => {
            const sel = 'button, select, input[type=text], input[type=url], input[type=time], .btn, .cat label, .check, .card dd a, .leaflet-control-zoom a, #place-list li, .desk-marker';
            return [...document.querySelectorAll(sel)].filter((e) => e.offsetParent !== null).map((e) => {
              const r = e.getBoundingClientRect(); return { what: e.id || e.className || e.tagName, w: r.width, h: r.height };
            }).filter((r) => r.h < 44 || r.w < 44);
          });
          assert.deepEqual(small, [], `${lang}: touch targets >= 44 px`);
        }
        await ctx.close();
      }
    }
  });

  test('6. every request goes to the page, the basemap or the WMS host; no cookies; WMS down keeps the list', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
    const hits = { tiles: 0, wms: 0 };
    const mk = (kind) => new Promise((ok) => {
      const s = createServer((req, res) => { hits[kind]++; res.writeHead(200, { 'content-type': 'image/png' }); res.end(png); });
      s.listen(0, '127.0.0.1', () => ok({ s, origin: `http://127.0.0.1:${s.address().port}` }));
    });
    const tiles = await mk('tiles'), wms = await mk('wms');
    const copy = H.siteCopy(site, {
      basemap: { url: tiles.origin + '/{z}/{x}/{y}.png', attribution: '© test tiles' },
      wms: { url: wms.origin + '/ows', layers: [{ name: 'services', title: { it: 'Servizi', en: 'Services' } }, { name: 'areas', title: 'Areas' }] },
    });
    const s2 = await H.serve(copy);
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, serviceWorkers: 'allow' });
    const requests = [];
    ctx.on('request', (r) => requests.push(r.url()));
    const page = await ctx.newPage();
    const cspErrors = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) cspErrors.push(m.text()); });
    await page.goto(s2.url + '?now=' + H.NOW + '#l=en');
    await H.ready(page);
    // WMS overlays are off at load (a dead WMS server costs nothing); titles in the page's language
    await page.waitForTimeout(300);
    assert.equal(hits.wms, 0, 'no WMS request before an overlay is switched on');
    await page.hover('.leaflet-control-layers');
    const boxes = page.locator('.leaflet-control-layers-overlays label');
    assert.deepEqual(await boxes.allTextContents().then((l) => l.map((x) => x.trim())), ['Services', 'Areas']);
    assert.deepEqual(await page.$$eval('.leaflet-control-layers-overlays input', (l) => l.map((i) => i.checked)), [false, false]);
    await boxes.first().locator('input').check();
    await page.mouse.move(2, 2);
    await page.waitForFunction(() => document.querySelectorAll('.leaflet-wms-pane img.leaflet-tile').length > 0, null, { timeout: 15000 });
    assert.ok(await page.evaluate(() => {
      const z = (sel) => Number(getComputedStyle(document.querySelector(sel)).zIndex);
      return z('.leaflet-wms-pane') > z('.leaflet-overlay-pane') && z('.leaflet-wms-pane') < z('.leaflet-marker-pane');
    }), 'the WMS pane lies above the boundaries and below the markers');
    assert.match(new URL(page.url()).hash, /[#&]o=services(&|$)/, 'the overlay choice is kept in the URL');
    // Italian: the same layer, titled in Italian (an object title); a plain string title stays as is
    await page.selectOption('#lang', 'it');
    await page.hover('.leaflet-control-layers');
    assert.deepEqual(await page.locator('.leaflet-control-layers-overlays label').allTextContents().then((l) => l.map((x) => x.trim())), ['Servizi', 'Areas']);
    assert.deepEqual(await page.$$eval('.leaflet-control-layers-overlays input', (l) => l.map((i) => i.checked)), [true, false]);
    await page.selectOption('#lang', 'en');
    await page.mouse.move(2, 2);
    await page.check('#cat-legal');
    await page.fill('#place', 'Mes');
    await page.keyboard.press('Enter');
    await page.click('#desk-list > li:first-child button');
    await page.waitForFunction(() => document.querySelectorAll('.leaflet-tile-loaded').length > 4, null, { timeout: 15000 });
    await page.waitForTimeout(500);
    const allowed = new Set([s2.origin, tiles.origin, wms.origin]);
    const foreign = requests.filter((u) => !u.startsWith('data:') && !allowed.has(new URL(u).origin));
    assert.deepEqual(foreign, [], 'no request to any other host');
    assert.ok(hits.tiles > 0 && requests.some((u) => u.startsWith(tiles.origin)), 'basemap tiles requested');
    assert.ok(hits.wms > 0 && requests.some((u) => u.startsWith(wms.origin) && /REQUEST=GetMap/i.test(u) && /LAYERS=services/i.test(u)), 'WMS GetMap requested');
    assert.deepEqual(cspErrors, [], 'the CSP allows the configured hosts and blocks nothing the page needs');
    assert.deepEqual(await ctx.cookies(), []);
    assert.equal(await page.evaluate(() => document.cookie), '');
    assert.equal(await page.evaluate(() => localStorage.length + sessionStorage.length), 0, 'nothing stored');
    await ctx.close();
    // the WMS and tile servers stop: the list still works
    await new Promise((r) => wms.s.close(r)); await new Promise((r) => tiles.s.close(r));
    const c2 = await browser.newContext({ serviceWorkers: 'block' });
    const p2 = await c2.newPage();
    await p2.goto(s2.url + '?now=' + H.NOW + `#l=en&c=legal&pos=12.2424,45.4906`);
    await H.ready(p2);
    assert.deepEqual(await H.listedRows(p2), H.oracleOrder(copy, 'legal', { lon: 12.2424, lat: 45.4906 }));
    await c2.close();
    await s2.close();
  });

  test('7. keyboard only: place from the list, category, desk card', async () => {
    const { ctx, page } = await open('l=en', { viewport: { width: 390, height: 844 } });
    const active = () => page.evaluate(() => ({ id: document.activeElement.id, name: document.activeElement.name, tag: document.activeElement.tagName, cls: document.activeElement.className }));
    const tabTo = async (pred, max = 60) => {
      for (let i = 0; i < max; i++) { await page.keyboard.press('Tab'); if (pred(await active())) return; }
      throw new Error('not reached by Tab');
    };
    await tabTo((a) => a.id === 'place');
    await page.keyboard.type('Li');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    const opt = await page.textContent('#place-list li.active');
    assert.equal(opt, 'Lido');
    await page.keyboard.press('Enter');
    assert.match(await page.textContent('#pos-status'), /Lido/);
    await tabTo((a) => a.name === 'cat');
    await page.keyboard.press('Space');
    for (let i = 0; i < 12 && !(await page.isChecked('#cat-italian_courses')); i++) await page.keyboard.press('ArrowDown');
    assert.equal(await page.isChecked('#cat-italian_courses'), true);
    await page.waitForFunction(() => document.querySelector('#desk-list > li')?.dataset.minutes !== '');
    const firstId = (await H.listedIds(page))[0];
    assert.equal(firstId, H.oracleOrder(site, 'italian_courses', H.LIDO)[0][0]);
    await tabTo((a) => a.cls.includes('desk'));
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'card-h');
    assert.equal(await page.textContent('#card-h'), services.find((s) => s.id === firstId).name);
    // back to the list, focus returns to the desk
    await page.keyboard.press('Shift+Tab');
    assert.equal((await active()).cls, 'back');
    await page.keyboard.press('Enter');
    await page.waitForFunction((id) => document.activeElement.closest('li')?.dataset.id === id, firstId);
    await ctx.close();
  });

  test('8. page weight: first load under 300 KB gzipped (no tiles)', async (t) => {
    const s = await H.serve(site);
    const kb = (log) => log.reduce((a, r) => a + r.bytes, 0) / 1024;
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, serviceWorkers: 'block' });
    const page = await ctx.newPage();
    await page.goto(s.url + `?now=${H.NOW}#l=it&c=italian_courses&pos=${H.LIDO.lon},${H.LIDO.lat}`);
    await H.ready(page);
    await page.waitForTimeout(300);
    const first = kb(s.log);
    const rows = s.log.map((r) => `${r.path} ${(r.bytes / 1024).toFixed(1)} KB`);
    assert.ok(!s.log.some((r) => /leaflet/.test(r.path)), 'on a phone the map (Leaflet) is not loaded before it is scrolled to');
    assert.ok(s.log.some((r) => /hours-worker\.js/.test(r.path)), 'the hours worker (and its library) is loaded after the list');
    await ctx.close();
    s.log.length = 0;
    const c2 = await browser.newContext({ serviceWorkers: 'allow' });
    const p2 = await c2.newPage();
    await p2.goto(s.url + `?now=${H.NOW}#l=it&c=italian_courses&pos=${H.LIDO.lon},${H.LIDO.lat}`);
    await H.ready(p2);
    await p2.evaluate(async () => { await navigator.serviceWorker.ready; });
    await p2.waitForTimeout(1500);
    const withSw = kb(s.log);
    await c2.close(); await s.close();
    t.diagnostic(`first load (page, data, one grid, hours library; on a phone the map loads when scrolled to), gzipped: ${first.toFixed(1)} KB`);
    t.diagnostic(`first visit incl. the service worker caching every grid: ${withSw.toFixed(1)} KB`);
    for (const r of rows) t.diagnostic('  ' + r);
    assert.ok(first < 300, `first load ${first.toFixed(1)} KB < 300 KB`);
  });

  test('screenshots: Italian and Arabic on a 390x844 phone', async () => {
    mkdirSync(SHOTS, { recursive: true });
    for (const lang of ['it', 'ar']) {
      const { ctx, page } = await open(`l=${lang}&c=italian_courses&pos=12.2424,45.4906&pn=Mestre&desk=VE-03`, { ctxOptions: { deviceScaleFactor: 1 } });
      await H.mapShown(page);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.waitForTimeout(300);
      const full = await page.screenshot({ fullPage: true }); // the whole page at phone width
      writeFileSync(join(SHOTS, `bussola-${lang}.png`), full);
      await page.locator('#results').evaluate((e) => e.scrollIntoView());
      const view = await page.screenshot();                   // one phone screen: the list
      writeFileSync(join(SHOTS, `bussola-${lang}-list.png`), view);
      assert.ok(H.nonBackgroundShare(view).share > 0.05);
      await ctx.close();
    }
  });
});
