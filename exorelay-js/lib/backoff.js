'use strict';

/**
 * Exponential back-off with jitter for reconnecting: the n-th delay lies between half and all of min * 2^n,
 * capped at max, so that many relays losing ExoCom at once do not come back in step.
 */
class Backoff {
  constructor(min, max) {
    this.min = Math.max(1, min);
    this.max = Math.max(this.min, max);
    this.failures = 0;
  }

  /** The delay before the next attempt, in milliseconds; each call doubles the next one, up to the maximum. */
  next() {
    const ceiling = Math.min(this.max, this.min * 2 ** Math.min(this.failures, 30));
    this.failures += 1;
    const half = ceiling / 2;
    return Math.round(half + Math.random() * (ceiling - half));
  }

  /** After a successful registration: start again from the minimum. */
  reset() {
    this.failures = 0;
  }
}

module.exports = { Backoff };
