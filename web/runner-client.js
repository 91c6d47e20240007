// The page's side of the worker: it starts the worker, boots Python once and
// turns each run into a promise. app.js only renders what this returns.
"use strict";

(function (scope) {
  const P = scope.LrProtocol;

  class RunnerClient {
    // callbacks: onProgress(stage, detail), onReady(versions), onInternalError(error).
    constructor(config, callbacks) {
      this.config = config;
      this.callbacks = callbacks;
      this.nextRequestId = 1;
      this.pending = new Map(); // request id -> {resolve}
      this.ready = false;
      this.worker = null;
    }

    start() {
      this.worker = new Worker("worker.js");
      this.worker.addEventListener("message", (event) => this.handleMessage(event.data));
      this.worker.addEventListener("error", (event) => {
        this.fail({ stage: "worker", message: `The worker failed: ${event.message || "worker.js could not be loaded"}.` });
      });
      this.worker.postMessage({ type: P.BOOT, id: this.nextRequestId++, config: this.config });
    }

    // Resolves to {kind: "report", report} or {kind: "internal-error", error}.
    run(code) {
      const id = this.nextRequestId++;
      return new Promise((resolve) => {
        this.pending.set(id, { resolve });
        this.worker.postMessage({ type: P.RUN, id, code });
      });
    }

    fail(error) {
      this.callbacks.onInternalError(error);
      for (const { resolve } of this.pending.values()) {
        resolve({ kind: "internal-error", error });
      }
      this.pending.clear();
    }

    handleMessage(data) {
      if (P.isMessage(data, P.PROGRESS)) {
        this.callbacks.onProgress(data.stage, data.detail);
      } else if (P.isMessage(data, P.READY)) {
        this.ready = true;
        this.callbacks.onReady(data.versions);
      } else if (P.isMessage(data, P.RESULT) && this.pending.has(data.id)) {
        this.pending.get(data.id).resolve({ kind: "report", report: data.report });
        this.pending.delete(data.id);
      } else if (P.isMessage(data, P.INTERNAL_ERROR)) {
        const waiting = this.pending.get(data.id);
        if (waiting) {
          this.pending.delete(data.id);
          waiting.resolve({ kind: "internal-error", error: data });
        } else {
          this.fail(data);
        }
      }
      // Other messages are not part of the contract, or answer a request this page did not send; they are ignored.
    }
  }

  scope.RunnerClient = RunnerClient;
})(self);
