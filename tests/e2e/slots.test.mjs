// GET /slots as the seed shows it: each slot's settings, prompt and progress.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, sleep } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

test('a busy slot shows its request\'s settings, prompt and progress; an idle one the defaults', async () => {
  const cria = await startCria(['-np', '2', '-c', '8192', '--temp', '0.5', ...THREADS]);
  const controller = new AbortController();
  try {
    let started = false;
    const stream = cria.stream('/completion', {
      prompt: 'Once upon a time', n_predict: 3000, ignore_eos: true, temperature: 0.25, top_k: 7, seed: 3,
    }, { signal: controller.signal, onEvent: () => { started = true; } }).catch(() => {});
    for (let i = 0; i < 500 && !started; i++) await sleep(10);
    let busy;
    for (let i = 0; i < 100; i++) {
      const slots = (await cria.get('/slots')).body;
      busy = slots.find((s) => s.is_processing);
      if (busy && busy.next_token.n_decoded > 0) break;
      await sleep(20);
    }
    assert.ok(busy, 'no busy slot');
    assert.equal(busy.prompt.trim(), 'Once upon a time');
    assert.equal(busy.n_predict, 3000);
    assert.equal(busy.temperature, 0.25);
    assert.equal(busy.top_k, 7);
    assert.equal(busy.seed, 3);
    assert.equal(busy.state, 1);
    assert.ok(busy.task_id > 0);
    assert.equal(busy.next_token.has_next_token, true);
    assert.ok(busy.next_token.n_decoded > 0);
    assert.equal(busy.next_token.n_remain, 3000 - busy.next_token.n_decoded);
    const idle = (await cria.get('/slots')).body.find((s) => !s.is_processing);
    assert.equal(idle.state, 0);
    assert.equal(idle.prompt, '');
    assert.equal(idle.temperature, 0.5, 'an idle slot shows the server defaults');
    controller.abort();
    await stream;
  } finally {
    await cria.stop();
  }
});
