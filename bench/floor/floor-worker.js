// Boots Pyodide the way its documentation shows, with no optimisation, and
// posts each stage: runtime-ready, numpy-loaded, numpy-imported, result.
"use strict";

const indexURL = new URLSearchParams(self.location.search).get("index");

async function boot() {
  importScripts(indexURL + "pyodide.js");
  const pyodide = await self.loadPyodide({ indexURL });
  self.pyodide = pyodide;
  self.postMessage({ stage: "runtime-ready" });
  await pyodide.loadPackage(["numpy"]);
  self.postMessage({ stage: "numpy-loaded" });
  pyodide.runPython("import numpy");
  self.postMessage({ stage: "numpy-imported" });
  const total = pyodide.runPython("int(numpy.arange(10).sum())");
  self.postMessage({ stage: total === 45 ? "result" : "wrong-result" });
}

boot().catch((error) => self.postMessage({ error: String(error && error.stack ? error.stack : error) }));
