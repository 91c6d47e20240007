// Web Worker that runs Python: it boots Pyodide, numpy and the runner once,
// then runs the hidden tests against the learner's code for each RUN request.
// The message contract is in protocol.js.
"use strict";

importScripts("protocol.js", "fast-boot.js");

const P = self.LrProtocol;

let pyodide = null;
let runTestsAsJson = null; // Python callable: learner source -> JSON text of the harness report.
let bootPromise = null;

function post(message) {
  self.postMessage(message);
}

function describeError(error) {
  return { message: String(error && error.message ? error.message : error), stack: error && error.stack ? String(error.stack) : "" };
}

// Stage 1: the runtime. importScripts throws a NetworkError without the URL, so the message names it.
async function loadRuntime(config) {
  const indexURL = new URL(config.pyodide.indexURL, self.location.href).href;
  const scriptURL = indexURL + "pyodide.js";
  const delivery = config.delivery || {};
  self.LrFastBoot.prefetch(delivery.prefetch);
  const snapshot = self.LrFastBoot.fetchSnapshot(delivery.snapshot);
  try {
    importScripts(scriptURL);
  } catch (error) {
    throw new Error(`Could not load Pyodide ${config.pyodide.version} from ${scriptURL}: ${describeError(error).message}. ` +
      "Check that the site was built completely (python build.py) or that the Pyodide base URL is reachable.");
  }
  return await self.LrFastBoot.loadPyodideFast({ indexURL, fullStdLib: false }, snapshot);
}

async function sha256Hex(buffer) {
  const digest = await crypto.subtle.digest("SHA-256", buffer);
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// Stage 2: numpy and the runner. Self-hosted, both are in the site's pyodide-lock.json and
// loadPackage checks their hashes. From a CDN, the CDN's lock has no entry for the runner,
// so its wheel is fetched from this site and checked against the hash recorded at build time.
async function loadPackages(config) {
  if (config.pyodide.selfHosted) {
    const delivery = config.delivery || {};
    if (delivery.wheels && delivery.wheels.length > 0) {
      await self.LrFastBoot.installWheels(pyodide, delivery.wheels);
    } else {
      await pyodide.loadPackage([config.pyodide.runnerPackage], { checkIntegrity: true });
    }
    await self.LrFastBoot.installBytecode(pyodide, delivery.bytecode);
    return;
  }
  await pyodide.loadPackage(["numpy"], { checkIntegrity: true });
  const wheel = config.pyodide.runnerWheel;
  const wheelURL = new URL(wheel.url, self.location.href).href;
  const response = await fetch(wheelURL);
  if (!response.ok) {
    throw new Error(`Could not download the test runner from ${wheelURL}: HTTP ${response.status}.`);
  }
  const buffer = await response.arrayBuffer();
  const actual = await sha256Hex(buffer);
  if (actual !== wheel.sha256) {
    throw new Error(`The test runner at ${wheelURL} has sha256 ${actual}, expected ${wheel.sha256}. Rebuild the site.`);
  }
  pyodide.unpackArchive(buffer, "wheel");
}

// Stage 3: import the harness and the hidden tests once; each run reuses them.
function importTests() {
  runTestsAsJson = pyodide.runPython(`
import json
from lr_range_runner import harness, hidden_tests

def run_tests_as_json(source):
    return json.dumps(harness.run(source, hidden_tests))

run_tests_as_json
`);
}

// Bytes between two download progress messages; smaller steps only add messages.
const PROGRESS_STEP_BYTES = 256 * 1024;

// Count the bytes of every fetch() response body while Python boots, and post them as PROGRESS
// details. Returns a function that restores fetch and, when passed true, posts the final count.
function countDownloads(request, currentStage) {
  const originalFetch = self.fetch;
  let loadedBytes = 0;
  let postedBytes = 0;
  const report = () => {
    postedBytes = loadedBytes;
    post({ type: P.PROGRESS, id: request.id, stage: currentStage(), detail: { loadedBytes } });
  };
  self.fetch = async (...args) => {
    const response = await originalFetch.apply(self, args);
    if (!response.body || response.type === "opaque" || response.status < 200 || response.status > 299) {
      return response;
    }
    // Count a clone and return the browser's own response: V8's cache of compiled
    // WebAssembly is tied to the response's URL and HTTP cache entry, which a
    // Response rebuilt with new Response() does not carry.
    // NOTE: reasoned from how that cache works, not measured on its own here.
    countBody(response.clone().body).catch(() => {
      // The code that reads the original response reports a failed download.
    });
    return response;
  };
  async function countBody(body) {
    const reader = body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        return;
      }
      loadedBytes += value.byteLength;
      if (loadedBytes - postedBytes >= PROGRESS_STEP_BYTES) {
        report();
      }
    }
  }
  return (postFinalCount) => {
    self.fetch = originalFetch;
    if (postFinalCount) {
      report();
    }
  };
}

async function boot(request) {
  let currentStage = "load-runtime";
  const stopCounting = countDownloads(request, () => currentStage);
  try {
    await bootStages(request, (stage) => { currentStage = stage; });
  } catch (error) {
    stopCounting(false); // The INTERNAL_ERROR message stays the last word about this boot.
    throw error;
  }
  stopCounting(true);
  const versions = pyodide.runPython("import sys, numpy; f'Python {sys.version.split()[0]}, numpy {numpy.__version__}'");
  post({ type: P.READY, id: request.id, versions: `Pyodide ${pyodide.version}, ${versions}` });
}

async function bootStages(request, enterStage) {
  const stages = [
    ["load-runtime", async () => { pyodide = await loadRuntime(request.config); }],
    ["load-packages", () => loadPackages(request.config)],
    ["import-tests", () => importTests()],
  ];
  for (const [stage, action] of stages) {
    enterStage(stage);
    post({ type: P.PROGRESS, id: request.id, stage });
    try {
      await action();
    } catch (error) {
      post({ type: P.INTERNAL_ERROR, id: request.id, stage, ...describeError(error), details: bugDetails(request.config) });
      throw error;
    }
  }
}

function bugDetails(config) {
  return `Pyodide ${config.pyodide.version} from ${config.pyodide.indexURL}; user agent: ${self.navigator.userAgent}`;
}

async function run(request) {
  try {
    await bootPromise;
  } catch {
    return; // Boot already reported its internal error.
  }
  try {
    // TODO: a learner's endless loop blocks this call, and the worker, until the page reloads.
    const reportJson = runTestsAsJson(String(request.code));
    post({ type: P.RESULT, id: request.id, report: JSON.parse(reportJson) });
  } catch (error) {
    // The harness catches every error of the learner's code, so anything here is a bug of the runner.
    post({ type: P.INTERNAL_ERROR, id: request.id, stage: "run", ...describeError(error), details: bugDetails(self.bootConfig) });
  }
}

self.addEventListener("message", (event) => {
  const data = event.data;
  if (P.isMessage(data, P.BOOT) && bootPromise === null) {
    self.bootConfig = data.config;
    bootPromise = boot(data);
    bootPromise.catch(() => {});
  } else if (P.isMessage(data, P.RUN)) {
    run(data);
  }
  // Anything else is not part of the contract and is ignored.
});
