// The message contract between the page (app.js) and the worker (worker.js).
// Loaded as a classic script by both, so it defines one global and no modules.
// Every request carries an id; every reply to a request repeats it. Either side
// ignores a message whose type it does not know or whose id it did not send.
(function (scope) {
  "use strict";

  const Protocol = Object.freeze({
    // Page -> worker.
    BOOT: "boot",          // {type, id, config}: load Pyodide, numpy and the runner once.
    RUN: "run",            // {type, id, code}: run the hidden tests against the learner's code.

    // Worker -> page.
    PROGRESS: "progress",  // {type, id, stage, detail}: a boot stage started, or, with detail
                           // {loadedBytes}, the bytes downloaded so far while booting.
    READY: "ready",        // {type, id, versions}: boot finished; runs are accepted.
    RESULT: "result",      // {type, id, report}: the harness report of one run.
    INTERNAL_ERROR: "internal-error", // {type, id, stage, message, details}: a bug of the runner, not the learner.

    // Boot stages, in order; PROGRESS names them.
    STAGES: Object.freeze(["load-runtime", "load-packages", "import-tests", "ready"]),

    isMessage(data, type) {
      return data !== null && typeof data === "object" && data.type === type && typeof data.id === "number";
    },
  });

  scope.LrProtocol = Protocol;
})(self);
