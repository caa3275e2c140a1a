'use strict';

/**
 * The ExoRelay for Node.js. `require('exorelay')` is the ExoRelay class, as the seed writes it; the errors are
 * properties of it: `const {ExoComRejectedError} = require('exorelay')`.
 */
const { ExoRelay, PROTOCOL_VERSION } = require('./exorelay');
const errors = require('./errors');

ExoRelay.ExoRelay = ExoRelay;
ExoRelay.default = ExoRelay;
ExoRelay.PROTOCOL_VERSION = PROTOCOL_VERSION;
Object.assign(ExoRelay, errors);

module.exports = ExoRelay;
