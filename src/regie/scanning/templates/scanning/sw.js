/* Service worker of the scanning app (scope /scan/): the shell and its files work offline.
   The API is never cached: scans wait in IndexedDB until Regie acknowledges them. */
const CACHE = "regie-scan-{{ version }}";
const SHELL = "/scan/";
const PRECACHE = [SHELL{% for asset in assets %}, "{{ asset|escapejs }}"{% endfor %}];
const RUNTIME = "{{ runtime|escapejs }}";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("regie-scan-") && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

// The page asks to keep the QR decoder when the browser has no BarcodeDetector of its own.
self.addEventListener("message", (event) => {
  const url = event.data?.keep;
  if (typeof url === "string" && url.startsWith(RUNTIME)) {
    event.waitUntil(caches.open(CACHE).then((cache) => cache.add(url)));
  }
});

async function fromCache(request, key, refresh) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(key);
  const fetched = fetch(request).then((response) => {
    if (response.ok) cache.put(key, response.clone());
    return response;
  });
  if (cached) {
    if (refresh) fetched.catch(() => null);
    return cached;
  }
  return fetched;
}

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname === SHELL) {
    // The shell at once from the cache, refreshed in the background for the next start.
    event.respondWith(fromCache(event.request, SHELL, true));
  } else if (PRECACHE.includes(url.pathname) || url.pathname.startsWith(RUNTIME)) {
    event.respondWith(fromCache(event.request, url.pathname, false));
  }
});
