'use strict';

/**
 * Sends that ExoCom has not answered yet, in the order they were made, by message id. They survive a lost
 * connection and go again, with the same id, once the relay is registered anew (ExoCom de-duplicates by id).
 * A send answered `shutting-down` stays here too: the next broker gets it, and its caller never hears that code.
 */
class PendingSends {
  constructor() {
    /** @type {Map<string, {envelope: object, frame: string, resolve: Function, reject: Function}>} */
    this.byId = new Map();
    /** @type {Array<() => void>} */
    this.emptyWaiters = [];
  }

  get size() {
    return this.byId.size;
  }

  has(id) {
    return this.byId.has(id);
  }

  /** Adds a send; the promise settles with ExoCom's answer. */
  add(envelope, frame) {
    return new Promise((resolve, reject) => {
      this.byId.set(envelope.id, { envelope, frame, resolve, reject });
    });
  }

  /** The frames of every unanswered send, oldest first. */
  frames() {
    return [...this.byId.values()].map((pending) => pending.frame);
  }

  /** ExoCom accepted a send; false when no send with that id waits (an answer to a re-sent duplicate). */
  accepted(id, timestamp) {
    const pending = this.take(id);
    if (!pending) {
      return false;
    }
    pending.resolve({ id, timestamp });
    return true;
  }

  /** ExoCom rejected a send; false when no send with that id waits. */
  rejected(id, error) {
    const pending = this.take(id);
    if (!pending) {
      return false;
    }
    pending.reject(error);
    return true;
  }

  nameOf(id) {
    return this.byId.get(id)?.envelope.name;
  }

  /** Fails every unanswered send, e.g. at close. */
  failAll(error) {
    const all = [...this.byId.values()];
    this.byId.clear();
    all.forEach((pending) => pending.reject(error));
    this.notifyIfEmpty();
  }

  /** Resolves true once every send was answered, or false when `deadline` (Date.now() ms) passed first. */
  whenEmpty(deadline) {
    if (this.byId.size === 0) {
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(this.byId.size === 0), Math.max(0, deadline - Date.now()));
      this.emptyWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  take(id) {
    const pending = this.byId.get(id);
    if (pending) {
      this.byId.delete(id);
      this.notifyIfEmpty();
    }
    return pending;
  }

  notifyIfEmpty() {
    if (this.byId.size === 0) {
      const waiters = this.emptyWaiters;
      this.emptyWaiters = [];
      waiters.forEach((wake) => wake());
    }
  }
}

module.exports = { PendingSends };
