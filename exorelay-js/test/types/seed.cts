// The seed's web server, typed: require('exorelay') as CommonJS.
import ExoRelay = require('exorelay');
import { MockExoRelay } from 'exorelay/testing';

const exoRelay = new ExoRelay({ serviceName: process.env.SERVICE_NAME, exocomPort: process.env.EXOCOM_PORT });
exoRelay.listen(process.env.EXORELAY_PORT);
exoRelay.on('error', (err) => { console.log(`Error: ${err.message} ${err.code}`); });
exoRelay.on('online', () => {
  exoRelay.send('todos.list', (todos: Array<{ text: string }>, { outcome }) => {
    console.log(outcome, todos.map((todo) => todo.text));
  });
  exoRelay.send('file.read', { path: 'large.csv' }, (payload, { outcome, final }) => console.log(outcome, payload, final));
});
exoRelay.registerHandler('todos.create', async (payload: { text: string }, { reply, message }) => {
  const accepted: ExoRelay.Accepted = await reply('todos.created', { text: payload.text, by: message.sender });
  return accepted.timestamp;
});

const mock = new MockExoRelay('web').answer('todos.list', 'todos.listed', []);
mock.receive('todos.create', { text: 'x' }).then((handling) => console.log(handling.outcome, handling.acked));

function onlyErrorsHaveCodes(error: unknown): string | undefined {
  if (error instanceof ExoRelay.ExoComRejectedError) {
    return error.messageId ?? error.code;
  }
  if (error instanceof ExoRelay.RequestTimeoutError) {
    return error.accepted ? 'accepted' : error.commandName;
  }
  return undefined;
}
onlyErrorsHaveCodes(null);

// @ts-expect-error a message name is a string
exoRelay.send(42);
// @ts-expect-error there is no such option
new ExoRelay({ servicename: 'web' });
