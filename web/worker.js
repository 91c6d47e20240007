// Web Worker that runs Python: it boots Pyodide, numpy and the runner once,
// then runs the hidden tests against the learner's code for each RUN request.
// The message contract is in protocol.js.
//
// Learner code runs in this worker and can reach JavaScript through Pyodide,
// so everything the worker relies on after boot is captured here first, inside
// this function's closure, where code evaluated in the global scope cannot see
// it: postMessage, JSON.parse and the run secrets.
"use strict";

(function () {
  const postToPage = self.postMessage.bind(self);
  const parseJson = JSON.parse;
  const originalFetch = self.fetch.bind(self);
  const loadScript = self.importScripts.bind(self);
  const createObjectURL = URL.createObjectURL;
  const revokeObjectURL = URL.revokeObjectURL;

  loadScript("protocol.js", "fast-boot.js");
  const P = self.LrProtocol;
  const fastBoot = self.LrFastBoot;

  // Above this much WebAssembly memory after a run (in bytes), the page replaces the worker,
  // because WebAssembly memory never shrinks.
  const MAX_RETAINED_MEMORY = 1024 * 1024 * 1024;

  // Bytes between two download progress messages; smaller steps only add messages.
  const PROGRESS_STEP_BYTES = 256 * 1024;

  let pyodide = null;
  let runReport = null; // Python callable: learner source -> JSON text of the harness report.
  let bootConfig = null;
  let booted = false;
  const verifiedURLs = new Map(); // URL -> Subresource Integrity value, for the fetches of the boot.

  // Rejects the runtime stage when a core file fails to download. Pyodide 0.27.7 only logs
  // a failed fetch of pyodide.asm.wasm and never settles loadPyodide, so without this the
  // page would wait for ever.
  let rejectRuntime = null;

  function describeError(error) {
    return { message: String(error && error.message ? error.message : error), stack: error && error.stack ? String(error.stack) : "" };
  }

  function bugDetails(config) {
    return `Pyodide ${config.pyodide.version} from ${config.pyodide.indexURL}; user agent: ${self.navigator.userAgent}`;
  }

  // Fetch `url` with a Subresource Integrity check: the browser rejects the response unless
  // its SHA-256 equals `integrity`, so a changed file never runs.
  async function fetchVerified(url, integrity) {
    let response;
    verifiedURLs.set(url, integrity);
    try {
      response = await self.fetch(url);
    } catch (error) {
      throw new Error(`Could not load ${url}, or its SHA-256 is not ${integrity}: ${describeError(error).message}. ` +
        "Rebuild the site (python build.py); with --pyodide-base-url, check that the URL serves Pyodide " +
        `${bootConfig.pyodide.version}.`);
    }
    if (!response.ok) {
      throw new Error(`Could not load ${url}: HTTP ${response.status}. Check that the site was built completely (python build.py).`);
    }
    return response;
  }

  // Run a script only after its hash was checked: it is fetched once, verified, and run from a blob URL.
  async function importVerified(url, integrity) {
    const text = await (await fetchVerified(url, integrity)).text();
    const blobURL = createObjectURL(new Blob([text], { type: "text/javascript" }));
    try {
      loadScript(blobURL);
    } finally {
      revokeObjectURL(blobURL);
    }
  }

  // The fetch() of the boot: it attaches the integrity of the Pyodide core files, whose
  // hashes the build recorded, and counts the bytes of every response body for PROGRESS.
  // Returns a function that restores fetch and, when passed true, posts the final count.
  function installBootFetch(request, currentStage) {
    let loadedBytes = 0;
    let postedBytes = 0;
    let stopped = false;
    const report = () => {
      // Bodies still downloading after a failed stage must not post PROGRESS over its INTERNAL_ERROR.
      if (stopped) {
        return;
      }
      postedBytes = loadedBytes;
      postToPage({ type: P.PROGRESS, id: request.id, stage: currentStage(), detail: { loadedBytes } });
    };
    self.fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input), self.location.href).href;
      const integrity = verifiedURLs.get(url);
      let response;
      try {
        response = await (integrity ? originalFetch(url, { ...init, integrity }) : originalFetch(input, init));
      } catch (error) {
        failCoreFile(integrity, `Could not load ${url}, or its SHA-256 does not match the build: ${describeError(error).message}.`);
        throw error;
      }
      if (!response.ok) {
        failCoreFile(integrity, `Could not load ${url}: HTTP ${response.status}.`);
      }
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
    function failCoreFile(integrity, problem) {
      if (integrity && rejectRuntime) {
        const version = request.config.pyodide.version;
        rejectRuntime(new Error(`${problem} Press Retry. If it keeps failing, the site is incomplete: its maintainer must rebuild it (python build.py) or, with --pyodide-base-url, check that the URL serves Pyodide ${version}.`));
      }
    }
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
      stopped = true;
    };
  }

  // Stage 1: the runtime. pyodide.js and pyodide.asm.js are run from verified blobs, and
  // fetches of the WebAssembly binary, the standard library and the lock file get their
  // integrity attached by the boot's fetch. Pyodide 0.27.7 skips loading pyodide.asm.js
  // itself when _createPyodideModule is already defined.
  async function loadRuntime(config) {
    const indexURL = new URL(config.pyodide.indexURL, self.location.href).href;
    const integrity = config.pyodide.integrity;
    const delivery = config.delivery || {};
    fastBoot.prefetch(delivery.prefetch);
    const snapshot = fastBoot.fetchSnapshot(delivery.snapshot);
    for (const name of ["pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json"]) {
      verifiedURLs.set(indexURL + name, integrity[name]);
    }
    await importVerified(indexURL + "pyodide.js", integrity["pyodide.js"]);
    await importVerified(indexURL + "pyodide.asm.js", integrity["pyodide.asm.js"]);
    const coreFileFailed = new Promise((resolve, reject) => {
      rejectRuntime = reject;
    });
    try {
      return await Promise.race([fastBoot.loadPyodideFast({ indexURL, fullStdLib: false }, snapshot), coreFileFailed]);
    } finally {
      rejectRuntime = null;
    }
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
        await fastBoot.installWheels(pyodide, delivery.wheels);
      } else {
        await pyodide.loadPackage([config.pyodide.runnerPackage], { checkIntegrity: true });
      }
      await fastBoot.installBytecode(pyodide, delivery.bytecode);
      return;
    }
    await pyodide.loadPackage(["numpy"], { checkIntegrity: true });
    const wheel = config.pyodide.runnerWheel;
    const wheelURL = new URL(wheel.url, self.location.href).href;
    const response = await self.fetch(wheelURL);
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

  // Stage 3: import the harness and the hidden tests once. The runner is built in a namespace
  // of its own, not __main__, so learner code finds no reference to it in sys.modules.
  function importTests(interruptBuffer) {
    if (interruptBuffer) {
      pyodide.setInterruptBuffer(interruptBuffer);
    }
    const namespace = pyodide.toPy({});
    runReport = pyodide.runPython(`
def make():
    from lr_range_runner import harness, hidden_tests

    run = harness.make_runner(hidden_tests, baseline=True, interruptible=${interruptBuffer ? "True" : "False"})
    to_json = harness.to_json

    def run_report(source):
        return to_json(run(source))

    return run_report

make()
`, { globals: namespace });
    // Move every object alive now (the interpreter, numpy, the harness and its baseline) out of the
    // garbage collector's reach, because they live as long as the worker. The full gc.collect()
    // that ends each learner call then walks only what the run created (about 4 ms less per call).
    pyodide.runPython("import gc\ngc.collect()\ngc.freeze()", { globals: namespace });
    namespace.destroy();
  }

  async function boot(request) {
    let currentStage = "load-runtime";
    const stopCounting = installBootFetch(request, () => currentStage);
    const stages = [
      ["load-runtime", async () => { pyodide = await loadRuntime(request.config); }],
      ["load-packages", () => loadPackages(request.config)],
      ["import-tests", () => importTests(request.interruptBuffer || null)],
    ];
    for (const [stage, action] of stages) {
      currentStage = stage;
      postToPage({ type: P.PROGRESS, id: request.id, stage });
      try {
        await action();
      } catch (error) {
        stopCounting(false); // The INTERNAL_ERROR message stays the last word about this boot.
        postToPage({ type: P.INTERNAL_ERROR, id: request.id, stage, ...describeError(error), details: bugDetails(request.config) });
        return;
      }
    }
    stopCounting(true);
    const versions = pyodide.runPython("import sys, numpy; f'Python {sys.version.split()[0]}, numpy {numpy.__version__}'");
    booted = true;
    postToPage({ type: P.READY, id: request.id, versions: `Pyodide ${pyodide.version}, ${versions}`, isolated: Boolean(request.interruptBuffer) });
  }

  // A crash of the runtime itself (stack overflow, out of memory) leaves Pyodide unusable;
  // learner code is the usual cause, so it is reported as a code error and the worker replaced.
  function crashReport(error) {
    return {
      outcome: "runtime-crash",
      code_error: {
        kind: "runtime-crash",
        message: "The Python runtime crashed while your code ran, so no verdict is given. Usual causes are very deep " +
          "recursion after sys.setrecursionlimit, or running out of memory. Python restarts for the next run.",
        line: null,
        traceback: describeError(error).message,
      },
      output: "",
      tests: bootConfig.tests.map((test) => ({ ...test, status: "not-run", message: "", traceback: "", output: "", duration_ms: 0 })),
      summary: { passed: 0, failed: 0, error: 0, "not-run": bootConfig.tests.length, total: bootConfig.tests.length, text: `0 of ${bootConfig.tests.length} passed` },
      untrusted: [],
      recycle: ["the runtime crashed"],
    };
  }

  // Runs synchronously from the message handler, so no other handler or timer can run
  // Python between receiving the request and posting the result.
  function run(request) {
    if (!booted) {
      return; // The page sends RUN only after READY; boot errors were already reported.
    }
    let report;
    try {
      report = parseJson(runReport(String(request.code)));
    } catch (error) {
      if (error && error.constructor && error.constructor.name === "PythonError") {
        // The harness catches every error of the learner's code, so a Python error here is a bug of the runner.
        postToPage({ type: P.INTERNAL_ERROR, id: request.id, secret: request.secret, stage: "run",
          ...describeError(error), details: bugDetails(bootConfig) });
        return;
      }
      report = crashReport(error);
    }
    if (pyodide._module.HEAP8.length > MAX_RETAINED_MEMORY) {
      report.recycle = [...(report.recycle || []), "the run left more than 1 GiB of WebAssembly memory"];
    }
    postToPage({ type: P.RESULT, id: request.id, secret: request.secret, report });
  }

  // Read-only size of Pyodide's WebAssembly memory in bytes, for bench/run.py; it exposes no object.
  self.lrDiagnostics = Object.freeze({ wasmMemoryBytes: () => (pyodide ? pyodide._module.HEAP8.length : null) });

  self.addEventListener("message", (event) => {
    const data = event.data;
    if (P.isMessage(data, P.BOOT) && bootConfig === null) {
      bootConfig = data.config;
      boot(data);
    } else if (P.isMessage(data, P.RUN) && typeof data.secret === "string") {
      run(data);
    }
    // Anything else is not part of the contract and is ignored.
  });
})();
