// Loaded by worker.js: the worker's side of the site's delivery options
// (sitebuild/delivery.py). Each helper does nothing when its option is off.
"use strict";

(function (scope) {
  // The fetch of this script's load time. worker.js later wraps self.fetch to
  // count download progress; these downloads are not in that count's total.
  const nativeFetch = scope.fetch.bind(scope);
  // Start downloading each URL now and drop the body: the browser's cache then
  // holds it when loadPackage asks for it after the interpreter booted.
  function prefetch(urls) {
    for (const url of urls || []) {
      nativeFetch(url).then((response) => response.arrayBuffer()).catch(() => {
        // loadPackage downloads it again and reports the error, if there still is one.
      });
    }
  }

  // Resolves to the memory snapshot's bytes, checked against their sha256 by
  // fetch's integrity option, or rejects; null when there is no snapshot.
  function fetchSnapshot(snapshot) {
    if (!snapshot) {
      return null;
    }
    return nativeFetch(snapshot.url, { integrity: snapshot.integrity }).then(async (response) => {
      if (!response.ok) {
        throw new Error(`HTTP ${response.status} for ${snapshot.url}`);
      }
      return new Uint8Array(await response.arrayBuffer());
    });
  }

  // Boots from the snapshot when there is one and falls back to a normal boot
  // if it cannot be used (download failed, integrity mismatch, other Pyodide build).
  async function loadPyodideFast(options, snapshotPromise) {
    if (snapshotPromise) {
      try {
        return await scope.loadPyodide({ ...options, _loadSnapshot: snapshotPromise });
      } catch (error) {
        console.warn(`Booting from the memory snapshot failed, booting without it: ${error && error.message ? error.message : error}`);
      }
    }
    return await scope.loadPyodide(options);
  }

  // Extracts the .pyc files of numpy's modules (paths relative to "/"), so
  // `import numpy` loads bytecode instead of compiling sources. Without them,
  // or if they cannot be fetched, the import only takes longer.
  async function installBytecode(pyodide, bytecode) {
    if (!bytecode) {
      return;
    }
    try {
      const response = await nativeFetch(bytecode.url, { integrity: bytecode.integrity });
      if (!response.ok) {
        throw new Error(`HTTP ${response.status} for ${bytecode.url}`);
      }
      pyodide.unpackArchive(await response.arrayBuffer(), "zip", { extractDir: "/" });
    } catch (error) {
      console.warn(`numpy's bytecode was not installed, so its import compiles sources: ${error && error.message ? error.message : error}`);
    }
  }

  // Installs wheels by unpacking them, after the browser checked each against
  // its integrity value. Unlike loadPackage, this loads no shared library:
  // Python compiles each one when a module first imports it.
  async function installWheels(pyodide, wheels) {
    const buffers = await Promise.all(wheels.map(async (wheel) => {
      let response;
      try {
        response = await nativeFetch(wheel.url, { integrity: wheel.integrity });
      } catch (error) {
        // fetch names neither the URL nor the cause (a 404 with an integrity check also lands here).
        throw new Error(`Could not download ${wheel.url}, or its SHA-256 does not match the lock: ` +
          `${error && error.message ? error.message : error}. Press Retry. If it keeps failing, the site is incomplete: its maintainer must rebuild it (python build.py).`);
      }
      if (!response.ok) {
        throw new Error(`Could not download ${wheel.url}: HTTP ${response.status}. Press Retry. If it keeps failing, the site is incomplete: its maintainer must rebuild it (python build.py).`);
      }
      return response.arrayBuffer();
    }));
    buffers.forEach((buffer) => pyodide.unpackArchive(buffer, "wheel"));
  }

  scope.LrFastBoot = Object.freeze({ prefetch, fetchSnapshot, loadPyodideFast, installBytecode, installWheels });
})(self);
