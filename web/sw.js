// Service worker: after the first visit, the page and Pyodide load from this
// cache, so a repeat visit sends almost no request and an offline one works.
// The build fills in the version and the file list (sitebuild/delivery.py).
// A rebuilt site has a new version, so the browser installs the new worker,
// which replaces the old cache.
"use strict";

const VERSION = __SITE_VERSION__;
const PRECACHE = __PRECACHE__;
const CACHE_NAME = `lr-exercise-${VERSION}`;
const CACHE_PREFIX = "lr-exercise-";

// Files in a content-hashed folder (NAME-<16 hex digits>/) never change. While
// the browser is online they bypass this worker and come from the HTTP cache,
// where the server's immutable header keeps them. Served from Cache Storage
// instead, Pyodide's boot took about 1 s longer on a repeat visit (bench/run.py,
// Chromium 156, 2 cores), most likely because pyodide.asm.wasm was compiled
// again. Offline, this cache serves them.
const CONTENT_ADDRESSED = /\/[A-Za-z0-9_.]+-[0-9a-f]{16}\//;

self.addEventListener("install", (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE_NAME);
    // The page registers this worker only after it loaded Pyodide, so these
    // requests are served by the HTTP cache (or a 304) and cost no download.
    await cache.addAll(PRECACHE);
    await self.skipWaiting();
  })());
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(CACHE_PREFIX) && name !== CACHE_NAME) {
        await caches.delete(name);
      }
    }
    await self.clients.claim();
  })());
});

async function cacheFirst(request) {
  const cached = await caches.match(request, { cacheName: CACHE_NAME });
  return cached || fetch(request);
}

// The page and its scripts come from the network while it responds, so a new
// build is seen at once. The cache serves them only when the network fails.
async function networkFirst(request) {
  try {
    return await fetch(request);
  } catch (error) {
    const cached = await caches.match(request, { cacheName: CACHE_NAME, ignoreSearch: true });
    if (cached) {
      return cached;
    }
    throw error;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) {
    return;
  }
  if (!CONTENT_ADDRESSED.test(url.pathname)) {
    event.respondWith(networkFirst(request));
  } else if (!self.navigator.onLine) {
    // NOTE: only a browser that reports itself offline gets these from this cache. With the
    // server down but a network up, they come from the HTTP cache alone, and fail if it was cleared.
    event.respondWith(cacheFirst(request));
  }
});
