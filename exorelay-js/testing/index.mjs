// The ES module face of exorelay/testing: the same classes as require('exorelay/testing').
import testing from './index.js';

export const { MockExoRelay, Handling, ExoComProcess, freePort } = testing;
