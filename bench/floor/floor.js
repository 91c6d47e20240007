// The benchmark's floor: the least a page can do to run numpy code in a worker.
// The query string's "index" names the Pyodide folder (default ../pyodide/).
// Each stage's time, in ms since navigation start, lands in window.floorTimes.
"use strict";

const indexURL = new URL(new URLSearchParams(location.search).get("index") || "../pyodide/", location.href).href;
const status = document.getElementById("status");
const worker = new Worker(`floor-worker.js?index=${encodeURIComponent(indexURL)}`);
window.floorTimes = {};

worker.addEventListener("message", (event) => {
  const { stage, error } = event.data;
  if (error) {
    status.dataset.state = "error";
    status.textContent = error;
    return;
  }
  window.floorTimes[stage] = performance.now();
  status.dataset.state = stage;
  status.textContent = stage;
});
