'use strict';

const path = require('node:path');
const { ExoComProcess } = require('../../testing');
const ExoRelay = require('../..');

/** The broker this checkout builds, unless EXOCOM_JAR names another. */
const BROKER_JAR = process.env.EXOCOM_JAR
  || path.resolve(__dirname, '../../../exocom-quarkus/target/quarkus-app/quarkus-run.jar');
const ROUTES = path.resolve(__dirname, '../routes.yaml');
/** A generous upper bound for anything a test waits for; never a speed target. */
const PATIENCE = 30_000;

function startExoCom(env = {}, routes = ROUTES) {
  return ExoComProcess.start({ jar: BROKER_JAR, routes, env });
}

/** A relay for `service` on `exocom`, quiet unless a test listens to its errors. */
function relay(exocom, service, options = {}) {
  return new ExoRelay({ ...exocom.relayOptions(service), logger: null, ...options });
}

/** Resolves once `predicate()` is true; fails naming `what` after PATIENCE. */
async function until(what, predicate, limit = PATIENCE) {
  const deadline = Date.now() + limit;
  for (;;) {
    // eslint-disable-next-line no-await-in-loop
    if (await predicate()) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`waited ${limit} ms for: ${what}`);
    }
    // eslint-disable-next-line no-await-in-loop
    await sleep(20);
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Settles with the promise's rejection; fails when it resolves instead. */
async function failure(promise) {
  try {
    const value = await promise;
    throw Object.assign(new Error(`expected a failure, got ${JSON.stringify(value)}`), { unexpected: true });
  } catch (error) {
    if (error.unexpected) {
      throw error;
    }
    return error;
  }
}

/** A promise and its resolve function, to carry results from handlers back to the test. */
function signal() {
  let resolve;
  const promise = new Promise((r) => { resolve = r; });
  return { promise, resolve };
}

/** The relay's 'error' events, collected. */
function errorsOf(relay) {
  const errors = [];
  relay.on('error', (error) => errors.push(error));
  return errors;
}

async function closeAll(...closables) {
  for (const closable of closables) {
    if (closable) {
      // eslint-disable-next-line no-await-in-loop
      await closable.close();
    }
  }
}

module.exports = { BROKER_JAR, ROUTES, PATIENCE, startExoCom, relay, until, sleep, failure, signal, errorsOf, closeAll };
