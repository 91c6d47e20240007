// The message contract between the page (app.js) and the worker (worker.js).
// Loaded as a classic script by both, so it defines one global and no modules.
// Every request carries an id; every reply to a request repeats it. Either side
// ignores a message whose type it does not know or whose id it did not send.
// The page also ignores a RESULT or run INTERNAL_ERROR whose secret is not the
// one it sent with that RUN, because learner code can post messages too.
(function (scope) {
  "use strict";

  const Protocol = Object.freeze({
    // Page -> worker.
    BOOT: "boot",          // {type, id, config, interruptBuffer}: load Pyodide, numpy and the runner once.
                           // interruptBuffer is a SharedArrayBuffer-backed Uint8Array when the page is
                           // cross-origin isolated, else null.
    RUN: "run",            // {type, id, code, secret}: run the hidden tests against the learner's code.
                           // secret is random per run and never passed to Python.

    // Worker -> page.
    PROGRESS: "progress",  // {type, id, stage, detail}: a boot stage started, or, with detail
                           // {loadedBytes}, the bytes downloaded so far while booting.
    READY: "ready",        // {type, id, versions, isolated}: boot finished; runs are accepted.
    RESULT: "result",      // {type, id, secret, report}: the harness report of one run. report.outcome is
                           // "tests-ran", "code-error", "interrupted" or "runtime-crash"; a non-empty
                           // report.recycle asks the page to replace the worker.
    INTERNAL_ERROR: "internal-error", // {type, id, stage, message, details, secret?}: a bug of the runner, not the learner.

    // Boot stages, in order; PROGRESS names them.
    STAGES: Object.freeze(["load-runtime", "load-packages", "import-tests", "ready"]),

    // Value written into the interrupt buffer to stop a run: SIGINT, which Pyodide raises in Python.
    SIGINT: 2,

    isMessage(data, type) {
      return data !== null && typeof data === "object" && data.type === type && typeof data.id === "number";
    },
  });

  scope.LrProtocol = Protocol;
})(self);
