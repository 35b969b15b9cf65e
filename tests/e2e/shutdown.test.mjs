// SIGTERM: stop accepting, let running requests finish, exit 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, sleep } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

test('SIGTERM during a stream: the stream finishes whole, new requests get 503, the exit status is 0', async () => {
  const cria = await startCria(['-np', '2', '-c', '8192', ...THREADS]);
  let events = 0;
  let signalled = false;
  const streaming = cria.stream('/completion', { prompt: 'Once upon a time', n_predict: 1500, ignore_eos: true, temperature: 0 }, {
    onEvent: () => {
      events++;
      if (events === 5 && !signalled) {
        signalled = true;
        cria.proc.kill('SIGTERM');
      }
    },
  });
  // Once the signal is in, new work is refused while the running stream goes on.
  for (let i = 0; i < 200 && !signalled; i++) await sleep(10);
  assert.ok(signalled);
  await sleep(50);
  let refused = null;
  try {
    refused = await cria.post('/completion', { prompt: 'late', n_predict: 2 });
  } catch {
    refused = { status: 'connection closed' };
  }
  const { events: all } = await streaming;
  const last = all.at(-1);
  assert.equal(last.stop, true, 'the stream did not end with its final event');
  assert.equal(last.tokens_predicted, 1500, 'the running request was cut short');
  assert.ok(refused.status === 503 || refused.status === 'connection closed', `late request: ${refused.status}`);
  const { code } = await cria.exited;
  assert.equal(code, 0, cria.log());
});
