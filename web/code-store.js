// Keeps the learner's code and progress in localStorage, per exercise and version.
//
// Code is stored as JSON {code, savedAt, tabId, starterSha256, isStarter} under
// "lr-exercise:<slug>:v<version>:code". savedAt (ms since the epoch) and tabId
// let two tabs of the same exercise notice each other's newer code, so neither
// overwrites it without the learner choosing to.
"use strict";

(function (scope) {
  const PREFIX = "lr-exercise:";

  function readJson(storage, key) {
    let raw = null;
    try {
      raw = storage.getItem(key);
    } catch {
      return null; // Storage can be disabled (private mode, blocked cookies).
    }
    if (raw === null) {
      return null;
    }
    try {
      return JSON.parse(raw);
    } catch {
      return { code: raw }; // Earlier pages stored the plain text.
    }
  }

  // A stored code entry, with defaults for entries of earlier pages.
  function asEntry(value) {
    if (!value || typeof value.code !== "string") {
      return null;
    }
    return {
      code: value.code,
      savedAt: Number(value.savedAt) || 0,
      tabId: typeof value.tabId === "string" ? value.tabId : null,
      starterSha256: typeof value.starterSha256 === "string" ? value.starterSha256 : null,
      isStarter: value.isStarter === true,
    };
  }

  class CodeStore {
    constructor(exercise, storage) {
      this.exercise = exercise;
      this.storage = storage;
      this.exercisePrefix = `${PREFIX}${exercise.slug}:v`;
      this.codeKey = `${this.exercisePrefix}${exercise.version}:code`;
      this.progressKey = `${this.exercisePrefix}${exercise.version}:progress`;
      this.tabId = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
      // savedAt of the newest entry this tab wrote or adopted; a stored entry newer than this came from another tab.
      this.lastSeenSavedAt = 0;
    }

    // Return {code, notice} for the page to start with. notice is null or
    // {kind: "starter-changed", fromVersion} when the code was written against other starter code.
    load() {
      const own = asEntry(readJson(this.storage, this.codeKey));
      if (own) {
        this.lastSeenSavedAt = own.savedAt;
        const changed = own.starterSha256 !== null && own.starterSha256 !== this.exercise.starterSha256 && !own.isStarter;
        return { code: own.code, notice: changed ? { kind: "starter-changed", fromVersion: this.exercise.version } : null };
      }

      const previous = this.newestOtherVersion();
      if (previous && !previous.entry.isStarter) {
        return { code: previous.entry.code, notice: { kind: "starter-changed", fromVersion: previous.version } };
      }
      return { code: this.exercise.starterCode, notice: null };
    }

    // Return the newest code entry stored for another version of this exercise, or null.
    newestOtherVersion() {
      let newest = null;
      let keys = [];
      try {
        keys = Array.from({ length: this.storage.length }, (_, i) => this.storage.key(i));
      } catch {
        return null;
      }
      for (const key of keys) {
        if (!key || !key.startsWith(this.exercisePrefix) || !key.endsWith(":code") || key === this.codeKey) {
          continue;
        }
        const entry = asEntry(readJson(this.storage, key));
        if (entry && (!newest || entry.savedAt > newest.entry.savedAt)) {
          newest = { version: key.slice(this.exercisePrefix.length, -":code".length), entry };
        }
      }
      return newest;
    }

    // Return the stored entry when another tab saved code newer than this tab has seen, else null.
    newerFromOtherTab() {
      const stored = asEntry(readJson(this.storage, this.codeKey));
      if (stored && stored.tabId !== this.tabId && stored.savedAt > this.lastSeenSavedAt) {
        return stored;
      }
      return null;
    }

    // Store `code` unless another tab stored newer code; return {saved: true} or {saved: false, conflict: entry}.
    save(code) {
      const newer = this.newerFromOtherTab();
      if (newer) {
        return { saved: false, conflict: newer };
      }
      return { saved: this.write(code) };
    }

    // Store `code` even over another tab's newer code, after the learner chose to keep this tab's code.
    write(code) {
      const savedAt = Math.max(Date.now(), this.lastSeenSavedAt + 1);
      const entry = {
        code,
        savedAt,
        tabId: this.tabId,
        starterSha256: this.exercise.starterSha256,
        isStarter: code === this.exercise.starterCode,
      };
      try {
        this.storage.setItem(this.codeKey, JSON.stringify(entry));
      } catch {
        return false; // Without storage the code lives only in the page.
      }
      this.lastSeenSavedAt = savedAt;
      return true;
    }

    // Mark another tab's entry as seen, after the learner loaded it into this tab.
    adopt(entry) {
      this.lastSeenSavedAt = Math.max(this.lastSeenSavedAt, entry.savedAt);
    }

    // Call onNewer(entry) when another tab stores code newer than this tab has seen.
    watchOtherTabs(onNewer) {
      scope.addEventListener("storage", (event) => {
        if (event.key !== this.codeKey || event.newValue === null) {
          return;
        }
        const newer = this.newerFromOtherTab();
        if (newer) {
          onNewer(newer);
        }
      });
    }

    // Progress survives reloads: {failedRuns, revealed, revealReason}.
    loadProgress() {
      const value = readJson(this.storage, this.progressKey) || {};
      return {
        failedRuns: Number.isInteger(value.failedRuns) && value.failedRuns >= 0 ? value.failedRuns : 0,
        revealed: value.revealed === true,
        revealReason: typeof value.revealReason === "string" ? value.revealReason : null,
      };
    }

    // Return the stored progress merged with `progress`, so that another tab's runs and reveal are kept.
    mergeStoredProgress(progress) {
      return mergeProgress(this.loadProgress(), progress);
    }

    // Merge `progress` into the stored progress, store the result and return it, so that failed runs
    // or a reveal that another tab stored since this tab last read them are kept.
    saveProgress(progress) {
      const merged = this.mergeStoredProgress(progress);
      try {
        this.storage.setItem(this.progressKey, JSON.stringify(merged));
      } catch {
        // Without storage the attempt count lasts until the page is closed.
      }
      return merged;
    }

    // Call onChange() when another tab stores progress for this exercise and version.
    watchProgress(onChange) {
      scope.addEventListener("storage", (event) => {
        if (event.key === this.progressKey && event.newValue !== null) {
          onChange();
        }
      });
    }
  }

  // Combine two copies of the progress: the larger failed-run count, and revealed once either is.
  // NOTE: the max keeps the count from going down but does not add up runs that two tabs counted
  // from the same stored value, so runs that finish in two tabs at the same moment count once.
  function mergeProgress(a, b) {
    return {
      failedRuns: Math.max(a.failedRuns, b.failedRuns),
      revealed: a.revealed || b.revealed,
      revealReason: a.revealReason || b.revealReason,
    };
  }

  function openStorage() {
    try {
      return scope.localStorage;
    } catch {
      return null;
    }
  }

  // Storage that keeps nothing, for browsers where localStorage is blocked.
  const noStorage = {
    length: 0,
    key: () => null,
    getItem: () => null,
    setItem: () => { throw new Error("localStorage is not available"); },
  };

  scope.LrCodeStore = {
    create: (exercise) => new CodeStore(exercise, openStorage() || noStorage),
  };
})(self);
