// The page's side of the worker: it starts the worker, boots Python, turns each
// run into a promise, enforces the time limit and stops runs. app.js only
// renders what this returns.
//
// Stopping: when the page is cross-origin isolated, a SharedArrayBuffer is the
// worker's interrupt buffer, so a stop raises an exception in Python and keeps
// the loaded interpreter. Otherwise, or when the interrupt has not landed
// within STOP_GRACE_MS (code stuck in C, or catching the exception), the worker
// is terminated and a fresh one boots.
"use strict";

(function (scope) {
  const P = scope.LrProtocol;

  // Milliseconds an interrupted run may take to return before its worker is terminated.
  // An interrupt usually lands within milliseconds, but 1000 ms was once too short
  // while a test suite loaded both cores of a 2-core machine.
  const STOP_GRACE_MS = 2000;

  function randomSecret() {
    const words = crypto.getRandomValues(new Uint32Array(4));
    return Array.from(words, (word) => word.toString(16).padStart(8, "0")).join("");
  }

  class RunnerClient {
    // callbacks: onProgress(stage, detail), onReady(versions), onInternalError(error), onRestart(reason).
    constructor(config, callbacks) {
      this.config = config;
      this.callbacks = callbacks;
      this.nextRequestId = 1;
      this.ready = false;
      this.worker = null;
      this.current = null; // The run in progress: {id, secret, resolve, timer, graceTimer, stopReason}.
      this.isolated = scope.crossOriginIsolated === true && typeof SharedArrayBuffer === "function";
      this.interruptBuffer = this.isolated ? new Uint8Array(new SharedArrayBuffer(1)) : null;
      this.timeLimitSeconds = config.runner.timeLimitSeconds;
    }

    start() {
      this.ready = false;
      const worker = new Worker("worker.js");
      this.worker = worker;
      worker.addEventListener("message", (event) => {
        if (worker === this.worker) {
          this.handleMessage(event.data);
        }
      });
      worker.addEventListener("error", (event) => {
        if (worker === this.worker) {
          this.fail({ stage: "worker", message: `The worker failed: ${event.message || "worker.js could not be loaded"}.` });
        }
      });
      worker.postMessage({ type: P.BOOT, id: this.nextRequestId++, config: this.config, interruptBuffer: this.interruptBuffer });
    }

    // Replace the worker with a fresh one; messages of the old one are ignored from now on.
    // NOTE: worker.js, protocol.js and fast-boot.js have fixed names. After a rebuild, a tab opened
    // before it therefore starts the new worker with its old config, until the page is reloaded.
    restart(reason) {
      this.worker.terminate();
      if (this.interruptBuffer) {
        // A stop request left in the buffer would interrupt the new worker's boot.
        Atomics.store(this.interruptBuffer, 0, 0);
      }
      this.callbacks.onRestart(reason);
      this.start();
    }

    // Resolves to {kind: "report", report}, {kind: "internal-error", error},
    // {kind: "stopped"} or {kind: "timed-out", seconds}.
    run(code) {
      const id = this.nextRequestId++;
      const secret = randomSecret();
      if (this.interruptBuffer) {
        Atomics.store(this.interruptBuffer, 0, 0);
      }
      return new Promise((resolve) => {
        const timer = setTimeout(() => this.stop("timed-out"), this.timeLimitSeconds * 1000);
        this.current = { id, secret, resolve, timer, graceTimer: null, stopReason: null };
        this.worker.postMessage({ type: P.RUN, id, code, secret });
      });
    }

    // Stop the run in progress; reason is "stopped" (the Stop button) or "timed-out".
    stop(reason = "stopped") {
      const run = this.current;
      if (!run || run.stopReason) {
        return;
      }
      run.stopReason = reason;
      clearTimeout(run.timer);
      if (this.interruptBuffer) {
        Atomics.store(this.interruptBuffer, 0, P.SIGINT);
        run.graceTimer = setTimeout(() => this.abandon(run, "the interrupt did not stop the code in time"), STOP_GRACE_MS);
      } else {
        this.abandon(run, "the page is not cross-origin isolated, so a run can only be stopped by a new worker");
      }
    }

    abandon(run, why) {
      if (this.current !== run) {
        return;
      }
      this.finish(this.stopOutcome(run));
      this.restart(why);
    }

    stopOutcome(run) {
      return run.stopReason === "timed-out" ? { kind: "timed-out", seconds: this.timeLimitSeconds } : { kind: "stopped" };
    }

    finish(outcome) {
      const run = this.current;
      clearTimeout(run.timer);
      clearTimeout(run.graceTimer);
      this.current = null;
      run.resolve(outcome);
    }

    fail(error) {
      this.ready = false;
      this.callbacks.onInternalError(error);
      if (this.current) {
        this.finish({ kind: "internal-error", error });
      }
    }

    // A RESULT or run INTERNAL_ERROR counts only with the id and secret of the run in progress.
    isCurrentRun(data) {
      return this.current !== null && data.id === this.current.id && data.secret === this.current.secret;
    }

    handleMessage(data) {
      if (P.isMessage(data, P.PROGRESS)) {
        this.callbacks.onProgress(data.stage, data.detail);
      } else if (P.isMessage(data, P.READY)) {
        this.ready = true;
        this.callbacks.onReady(data.versions);
      } else if (P.isMessage(data, P.RESULT) && this.isCurrentRun(data)) {
        this.handleResult(data.report);
      } else if (P.isMessage(data, P.INTERNAL_ERROR) && this.isCurrentRun(data)) {
        this.finish({ kind: "internal-error", error: data });
      } else if (P.isMessage(data, P.INTERNAL_ERROR) && data.secret === undefined && !this.ready) {
        this.fail(data); // A boot stage failed.
      }
      // Other messages are not part of the contract, answer no request in progress, or were
      // forged by learner code without the run's secret; they are ignored.
    }

    handleResult(report) {
      const run = this.current;
      const stopped = run.stopReason !== null;
      this.finish(stopped ? this.stopOutcome(run) : { kind: "report", report });
      const recycle = Array.isArray(report.recycle) ? report.recycle : [];
      if (recycle.length > 0) {
        this.restart(`the last run ${recycle.join("; ")}`);
      }
    }
  }

  scope.RunnerClient = RunnerClient;
})(self);
