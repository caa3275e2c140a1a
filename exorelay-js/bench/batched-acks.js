'use strict';

// Measures what the batched ack of protocol 1.2 saves: a sender keeps a window of commands in flight to a worker
// whose handler answers nothing (an event-like command); the worker acks each delivery one frame at a time (as
// with a 1.1 broker) or in batches (1.2), against the same real broker. Prints commands per second and the
// broker's CPU time per command (from /proc), for each way in turn, several rounds.
//
//   EXOCOM_JAR=.../quarkus-run.jar node bench/batched-acks.js [commands per round] [rounds]
const fs = require('node:fs');
const path = require('node:path');
const ExoRelay = require('..');
const { ExoComProcess } = require('../testing');

const COMMANDS = Number(process.argv[2] || 20000);
const ROUNDS = Number(process.argv[3] || 3);
const WINDOW = 500;
const routes = path.join(__dirname, '..', 'test', 'routes.yaml');

/** The broker's user + system CPU time in milliseconds (Linux). */
function brokerCpuMs(pid) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks of 1/100 s
}

async function round(exocom, batched) {
  let handled = 0;
  let done;
  const all = new Promise((resolve) => { done = resolve; });
  const worker = new ExoRelay({ ...exocom.relayOptions('worker'), logger: null, prefetch: WINDOW });
  worker.registerHandler('work.do', () => {
    handled += 1;
    if (handled === COMMANDS) {
      done();
    }
  });
  const web = new ExoRelay({ ...exocom.relayOptions('web'), logger: null });
  await worker.listen();
  await web.listen();
  worker.batchesAcks = batched; // what 'registered' would have decided with a 1.1 broker
  const cpuBefore = brokerCpuMs(exocom.process.pid);
  const start = process.hrtime.bigint();
  let sent = 0;
  const sendMore = () => {
    while (sent < COMMANDS && sent - handled < WINDOW) {
      sent += 1;
      web.send('work.do', sent).catch((error) => { throw error; });
    }
    if (sent < COMMANDS) {
      setImmediate(sendMore);
    }
  };
  sendMore();
  await all;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await new Promise((resolve) => setTimeout(resolve, 200)); // the last acks arrive
  const cpu = brokerCpuMs(exocom.process.pid) - cpuBefore;
  await web.close();
  await worker.close();
  return { perSecond: COMMANDS / seconds, brokerUsPerCommand: (cpu * 1000) / COMMANDS };
}

async function main() {
  const exocom = await ExoComProcess.start({ routes, env: { EXOCOM_LOG_MESSAGES: 'false', EXOCOM_STORE: 'memory' } });
  try {
    await round(exocom, true); // warm-up
    for (let r = 1; r <= ROUNDS; r += 1) {
      for (const batched of [false, true]) {
        // eslint-disable-next-line no-await-in-loop
        const result = await round(exocom, batched);
        console.log(`round ${r} ${batched ? 'batched acks (1.2)' : 'one ack per frame'}: `
          + `${Math.round(result.perSecond)} commands/s, broker CPU ${result.brokerUsPerCommand.toFixed(1)} µs/command`);
      }
    }
  } finally {
    await exocom.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
