// Service worker of the bussola: offline use after the first visit.
// Same-origin GET requests: network first (3 s), then the cache; successful
// answers refresh the cache. The page shell, data/meta.json, services and every
// time grid listed in meta.json are cached at install. Map tiles and WMS images
// (other hosts) are left to the browser and never cached here.
const VERSION = '__BUSSOLA_VERSION__';
const CACHE = 'bussola-' + VERSION;
const SHELL = __BUSSOLA_SHELL__;
const TIMEOUT_MS = 3000;

async function precache() {
  const cache = await caches.open(CACHE);
  await cache.addAll(SHELL);
  try {
    const res = await fetch('data/meta.json', { cache: 'no-cache' });
    if (!res.ok) return;
    await cache.put('data/meta.json', res.clone());
    const meta = await res.json();
    const files = ['data/services.geojson'];
    if (meta.boundaries) files.push('data/' + meta.boundaries);
    const cats = (meta.times && meta.times.categories) || {};
    for (const c of Object.values(cats)) if (c && c.file) files.push('data/' + c.file);
    await Promise.all(files.map((f) => cache.add(f).catch(() => {})));
  } catch { /* data not there yet: cached at first use instead */ }
}

self.addEventListener('install', (e) => { e.waitUntil(precache().then(() => self.skipWaiting())); });
self.addEventListener('activate', (e) => {
  e.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('bussola-') && k !== CACHE).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (e) => {
  const req = e.request;
  const url = new URL(req.url);
  if (req.method !== 'GET' || url.origin !== self.location.origin) return;
  e.respondWith((async () => {
    const cache = await caches.open(CACHE);
    const nav = req.mode === 'navigate';
    const cached = () => cache.match(req, { ignoreSearch: nav }).then((r) => r || (nav ? cache.match('./') : undefined));
    const net = fetch(req).then((res) => {
      if (res.ok && res.type === 'basic') cache.put(nav ? './' : req, res.clone()).catch(() => {});
      return res;
    });
    try {
      const timer = new Promise((resolve) => setTimeout(resolve, TIMEOUT_MS, 'timeout'));
      const first = await Promise.race([net, timer]);
      if (first !== 'timeout') return first;
      const c = await cached();
      return c || await net;
    } catch {
      const c = await cached();
      if (c) return c;
      return new Response('offline', { status: 503, statusText: 'offline' });
    }
  })());
});
