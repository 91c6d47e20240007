// Registers the service worker (sw.js) when the build made one, but only once
// Python is ready: its install step then copies files that are already in
// the browser's HTTP cache instead of downloading them a second time.
// Sets data-offline-cache on <html> to "ready" once the worker controls the page.
"use strict";

(function () {
  const config = JSON.parse(document.getElementById("exercise-config").textContent);
  const script = config.delivery && config.delivery.serviceWorker;
  const runButton = document.getElementById("run-tests");
  if (!script || !("serviceWorker" in navigator) || !runButton) {
    return;
  }

  function markReady() {
    if (navigator.serviceWorker.controller) {
      document.documentElement.dataset.offlineCache = "ready";
    }
  }

  function register() {
    navigator.serviceWorker.addEventListener("controllerchange", markReady);
    navigator.serviceWorker.register(script).then(markReady).catch((error) => {
      // The page works without it; only repeat and offline visits are slower.
      console.warn(`The service worker ${script} could not be registered: ${error.message}`);
    });
  }

  if (navigator.serviceWorker.controller) {
    markReady();
  }
  const observer = new MutationObserver(() => {
    if (!runButton.disabled) {
      observer.disconnect();
      register();
    }
  });
  observer.observe(runButton, { attributes: true, attributeFilter: ["disabled"] });
})();
