/**
 * The service worker: keeps the app's shell (its own files, nothing of the API) so the app
 * opens without a network. The shell is fetched from the network first, so a new build shows at
 * once when online; the cache answers only when the network does not. API calls are never
 * cached or replayed: a request fails offline instead of going out twice later.
 */

declare const self: ServiceWorkerGlobalScope;
declare const SHELL_VERSION: string;
declare const SHELL_FILES: string[];

const CACHE = `bantz-shell-${SHELL_VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL_FILES))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith('bantz-shell-') && k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith('/app/')) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          void caches.open(CACHE).then((cache) => cache.put(request, copy));
        }
        return response;
      })
      .catch(async () => {
        const cached = (await caches.match(request, { ignoreSearch: true })) ?? (request.mode === 'navigate' ? await caches.match('./') : undefined);
        return cached ?? Response.error();
      }),
  );
});

export {};
