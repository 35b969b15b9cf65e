import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria } from './lib/cria.mjs';

let cria;
before(async () => { cria = await startCria(['-np', '2']); });
after(async () => { await cria?.stop(); });

test('health is ok with idle slots once the model is loaded', async () => {
  const res = await cria.get('/health');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { status: 'ok', slots_idle: 2, slots_processing: 0 });
});

test('a greedy completion returns n_predict tokens and the seed fields', async () => {
  const res = await cria.post('/completion', { prompt: 'The quick brown fox', n_predict: 8, temperature: 0 });
  assert.equal(res.status, 200);
  for (const field of ['content', 'stop', 'model', 'prompt', 'generation_settings', 'stopped_eos', 'stopped_limit',
    'stopped_word', 'stopping_word', 'timings', 'tokens_cached', 'tokens_evaluated', 'truncated']) {
    assert.ok(field in res.body, `missing field ${field}`);
  }
  assert.equal(res.body.tokens.length, 8);
  assert.equal(res.body.stopped_limit, true);
  assert.equal(res.body.prompt, 'The quick brown fox');
});
