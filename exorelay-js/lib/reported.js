'use strict';

/*
 * Why this exists: callback-style code, as the seed writes it (`exoRelay.send('todos.list', (todos) => ...)`),
 * never looks at the promise a call returns. If that promise rejected, Node would end the process on the
 * unhandled rejection; if the relay swallowed the rejection, a refused message would be lost silently. So every
 * promise the relay hands out notices whether anybody subscribed to it (await, then, catch, Promise.all all call
 * `then`): a failure nobody subscribed to goes to the relay's 'error' event instead, and a subscriber gets it as
 * usual.
 */
class ReportedPromise extends Promise {
  // Promises derived with then/catch/finally are plain ones.
  static get [Symbol.species]() {
    return Promise;
  }
}

/**
 * A promise settled like `inner` that hands `inner`'s failure to `report` when nobody subscribed to it by the
 * time the failure was known (checked after the current turn, so that `await relay.send(...)` always counts).
 */
function reported(inner, report) {
  let subscribed = false;
  let resolveOuter;
  let rejectOuter;
  const outer = new ReportedPromise((resolve, reject) => {
    resolveOuter = resolve;
    rejectOuter = reject;
  });
  const then = Promise.prototype.then;
  Object.defineProperty(outer, 'then', {
    value(onFulfilled, onRejected) {
      subscribed = true;
      return then.call(this, onFulfilled, onRejected);
    },
  });
  // Marks the rejection as handled for Node; does not count as a subscriber.
  then.call(outer, undefined, () => {});
  inner.then(resolveOuter, (error) => {
    rejectOuter(error);
    setImmediate(() => {
      if (!subscribed) {
        report(error);
      }
    });
  });
  return outer;
}

module.exports = { reported };
