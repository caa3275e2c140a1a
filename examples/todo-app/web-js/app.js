'use strict';

const path = require('node:path');
const { randomUUID } = require('node:crypto');
const express = require('express');
const { RequestTimeoutError, ExoComRejectedError } = require('exorelay');

/** A form's request id: what the home page puts into the form, so that a repeated submission is recognised. */
const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/;
/** How many submissions the server remembers the outcome of. */
const REMEMBERED_SUBMISSIONS = 1000;

/**
 * The web service: the home page lists the todos and has a form to add one. It knows nothing of the todos
 * service but the messages it sends through ExoCom, `todos.list` and `todos.create`.
 *
 * Adding is idempotent by the form's request id: the command's message id is made of it, so ExoCom does not
 * deliver a resubmission again (even to another web server instance, within its de-duplication window), and
 * this server answers a resubmission with the first one's outcome without sending anything.
 */
function createApp(relay, { replyTimeout = 5000 } = {}) {
  const app = express();
  app.set('view engine', 'pug');
  app.set('views', path.join(__dirname, 'views'));
  app.use(express.urlencoded({ extended: false, limit: '16kb' }));
  const submissions = new Map();

  async function home(res, status, view = {}) {
    let todos = null;
    let unavailable = null;
    try {
      const listed = await relay.request('todos.list', null, { timeout: replyTimeout });
      if (listed.outcome === 'todos.listed') {
        todos = listed.payload;
      } else {
        unavailable = `The todos service answered "${listed.outcome}" instead of the list.`;
      }
    } catch (error) {
      unavailable = `The todo list is not available right now: ${whyNot(error, 'show the list')}`;
    }
    res.status(unavailable && status === 200 ? 503 : status).render('index', {
      todos, unavailable, requestId: randomUUID(), text: '', ...view,
    });
  }

  app.get('/', (req, res, next) => {
    home(res, 200).catch(next);
  });

  app.post('/todos', (req, res, next) => {
    const text = typeof req.body.text === 'string' ? req.body.text : '';
    const requestId = REQUEST_ID.test(req.body.requestId || '') ? req.body.requestId : randomUUID();
    let outcome = submissions.get(requestId);
    if (!outcome) {
      outcome = create(relay, text, requestId, replyTimeout);
      submissions.set(requestId, outcome);
      if (submissions.size > REMEMBERED_SUBMISSIONS) {
        submissions.delete(submissions.keys().next().value);
      }
    }
    outcome.then((result) => {
      if (result.kind === 'created') {
        res.redirect(303, '/');
      } else if (result.kind === 'invalid') {
        return home(res, 422, { problem: `Your todo was not added: ${result.problem}`, text, requestId: randomUUID() });
      } else if (result.kind === 'accepted') {
        return home(res, 202, { notice: 'Your todo was accepted and will appear in the list as soon as the todos service has added it.' });
      } else if (result.kind === 'kept') {
        return home(res, 503, { notice: 'ExoCom, the message bus, cannot be reached right now. Your todo is kept by this web server and sent as soon as ExoCom is back; it will then appear in the list.' });
      } else {
        return home(res, result.status, { problem: result.problem, text });
      }
      return undefined;
    }).catch(next);
  });

  app.use((req, res) => {
    res.status(404).render('not-found');
  });

  return app;
}

/** Sends todos.create once and says what came of it, in words for the page. */
async function create(relay, text, requestId, replyTimeout) {
  try {
    const reply = await relay.request('todos.create', { text, requestId }, { id: `todos.create-${requestId}`, timeout: replyTimeout });
    switch (reply.outcome) {
      case 'todos.created': return { kind: 'created' };
      case 'todos.invalid': return { kind: 'invalid', problem: reply.payload && reply.payload.problem };
      default: return { kind: 'other', status: 502, problem: `The todos service answered "${reply.outcome}"; your todo may not have been added.` };
    }
  } catch (error) {
    if (error instanceof RequestTimeoutError) {
      // Accepted by ExoCom: it will be delivered, so it must not be reported as lost.
      return { kind: error.accepted ? 'accepted' : 'kept' };
    }
    return { kind: 'refused', status: 503, problem: `Your todo was not added: ${whyNot(error, 'add it')}` };
  }
}

function whyNot(error, what) {
  if (error instanceof RequestTimeoutError) {
    return error.accepted ? 'the todos service did not answer in time.'
      : 'ExoCom, the message bus, cannot be reached.';
  }
  if (error instanceof ExoComRejectedError) {
    return `ExoCom refused to ${what} (${error.message}).`;
  }
  return `${error.message}.`;
}

module.exports = { createApp };
