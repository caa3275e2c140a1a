'use strict';

/**
 * The most recently handled messages, keyed by sender and id together (two services may use the same id,
 * PROTOCOL.md §2), so that a redelivery of one of them is acknowledged without running the handler again.
 * Bounded: the oldest are forgotten first.
 */
class HandledIds {
  constructor(capacity) {
    this.capacity = capacity;
    /** @type {Set<string>} insertion-ordered, so the first entry is the oldest */
    this.keys = new Set();
  }

  static key(sender, id) {
    // A NUL cannot occur in a service name, so the pair is unambiguous.
    return `${sender ?? ''}\u0000${id}`;
  }

  add(key) {
    if (this.capacity === 0) {
      return;
    }
    this.keys.delete(key);
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      this.keys.delete(this.keys.values().next().value);
    }
  }

  has(key) {
    return this.keys.has(key);
  }

  get size() {
    return this.keys.size;
  }
}

module.exports = { HandledIds };
