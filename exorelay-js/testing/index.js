'use strict';

/** Test aids for services on ExoCom: MockExoRelay (no broker needed) and ExoComProcess (a real broker). */
const { MockExoRelay, Handling } = require('./mock-exorelay');
const { ExoComProcess, freePort } = require('./exocom-process');

module.exports = { MockExoRelay, Handling, ExoComProcess, freePort };
