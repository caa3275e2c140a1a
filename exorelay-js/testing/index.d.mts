// Type declarations of exorelay/testing as an ES module.
export { MockExoRelay, Handling, ExoComProcess, freePort } from './index.js';
