// Today's idiom, typed: import from the ES module, promises and async iteration.
import ExoRelay, { RequestTimeoutError, type Reply } from 'exorelay';
import { ExoComProcess } from 'exorelay/testing';

const relay = new ExoRelay({ serviceName: 'web', requestTimeout: 5000 });
await relay.listen();
const reply: Reply<{ id: string }[]> = await relay.request('todos.list', null, { timeout: 1000 });
console.log(reply.outcome, reply.payload[0]?.id);
for await (const part of relay.stream<string>('file.read', { path: 'x' })) {
  console.log(part.outcome, part.payload.length, part.final);
}
try {
  await relay.request('slow.never');
} catch (error) {
  if (error instanceof RequestTimeoutError) {
    console.log(error.accepted);
  }
}
const exocom = await ExoComProcess.start({ routes: 'routes.yaml', env: { EXOCOM_ACK_TIMEOUT: '1s' } });
console.log(exocom.port, relay.protocol, relay.maxFrameSize);
await relay.close();

// @ts-expect-error request() resolves with a reply, not a string
const wrong: string = await relay.request('todos.list');
console.log(wrong);
