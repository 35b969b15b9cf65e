// The slot context: generation past its end shifts the context (drops old tokens) and reports
// truncated; a prompt that does not fit is a 400 naming 'prompt'.
//
// libllama rounds a context up to a multiple of 256 tokens, so `-c 64 -np 1` gives a 256-token
// slot (/props says so). The shift tests use `-c 256 -np 4` for 64-token slots.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, assertErrorShape, sleep } from './lib/cria.mjs';
import { THREADS, greedy, complete, tokenize } from './lib/generation-helpers.mjs';

// A prompt of exactly n tokens (BOS included): "the the the ...", one token per word.
async function promptOfTokens(cria, n) {
  const text = new Array(n - 1).fill('the').join(' ');
  const tokens = await tokenize(cria, text, true);
  assert.equal(tokens.length, n, `prompt of ${n} tokens came out as ${tokens.length}`);
  return text;
}

describe('64-token slots', () => {
  let cria;
  let nCtxSlot;
  before(async () => {
    cria = await startCria(['-c', '256', '-np', '4', ...THREADS]);
    nCtxSlot = (await cria.get('/props')).body.n_ctx_slot;
  });
  after(async () => { await cria?.stop(); });

  test('/props reports 64-token slots', () => {
    assert.equal(nCtxSlot, 64);
  });

  test('generating 150 tokens in a 64-token slot shifts the context and reports truncated', { timeout: 30000 },
    async () => {
      const res = await complete(cria, greedy('The quick brown fox', 150, { ignore_eos: true }));
      assert.equal(res.tokens.length, 150);
      assert.equal(res.tokens_predicted, 150);
      assert.equal(res.stopped_limit, true);
      assert.equal(res.truncated, true);
      assert.ok(res.tokens_cached <= nCtxSlot, `tokens_cached ${res.tokens_cached} > slot context ${nCtxSlot}`);
      assert.equal(res.generation_settings.n_ctx, nCtxSlot);
    });

  test('a short generation in a 64-token slot is not truncated', async () => {
    const res = await complete(cria, greedy('The quick brown fox', 20, { ignore_eos: true }));
    assert.equal(res.tokens.length, 20);
    assert.equal(res.truncated, false);
  });

  test('context shifts in several slots at once keep each request on its own', { timeout: 30000 }, async () => {
    const prompts = ['The quick brown fox', 'people know what they like', 'look at the water'];
    const alone = [];
    for (const prompt of prompts) alone.push(await complete(cria, greedy(prompt, 100, { ignore_eos: true, cache_prompt: false })));
    const together = await Promise.all(prompts.map((prompt) =>
      complete(cria, greedy(prompt, 100, { ignore_eos: true, cache_prompt: false }))));
    together.forEach((r, i) => {
      assert.equal(r.truncated, true);
      assert.deepEqual(r.tokens, alone[i].tokens, `prompt ${i}: output with shifts beside others differs from alone`);
    });
  });

  test('a prompt of 63 tokens fits and generates past the end with a shift', async () => {
    const res = await complete(cria, greedy(await promptOfTokens(cria, 63), 8, { ignore_eos: true }));
    assert.equal(res.tokens_evaluated, 63);
    assert.equal(res.tokens.length, 8);
    assert.equal(res.truncated, true);
  });

  test('a prompt as long as the slot context is a 400 naming prompt', async () => {
    for (const n of [64, 80]) {
      const res = await cria.post('/completion', greedy(await promptOfTokens(cria, n), 8));
      assertErrorShape(assert, res, 400, 'prompt');
    }
    // The server is fine afterwards.
    const ok = await complete(cria, greedy('The quick brown fox', 4));
    assert.equal(ok.tokens.length, 4);
  });

  test('a streamed prompt that does not fit is a 400 too', async () => {
    const res = await cria.stream('/completion', greedy(await promptOfTokens(cria, 80), 8));
    assertErrorShape(assert, res, 400, 'prompt');
  });
});

describe('-c 64 -np 1', () => {
  let cria;
  let nCtxSlot;
  before(async () => {
    cria = await startCria(['-c', '64', '-np', '1', ...THREADS]);
    nCtxSlot = (await cria.get('/props')).body.n_ctx_slot;
  });
  after(async () => { await cria?.stop(); });

  test('a prompt longer than the slot context is a 400 naming prompt', async () => {
    const res = await cria.post('/completion', greedy(await promptOfTokens(cria, nCtxSlot + 10), 8));
    assertErrorShape(assert, res, 400, 'prompt');
  });

  // libllama rounds the context up to 256 and lowers its batch limit to the requested 64: a slot
  // must hold exactly what -c asked for, and a prompt that fills it must be served (batches follow
  // llama_n_batch(), or the server aborts).
  test('the slot holds exactly -c tokens and a prompt filling it is served', async () => {
    assert.equal(nCtxSlot, 64);
    let res;
    try {
      res = await cria.post('/completion', greedy(await promptOfTokens(cria, 63), 8, { ignore_eos: true }));
    } catch (e) {
      const exit = await Promise.race([cria.exited, sleep(2000).then(() => 'still running')]);
      assert.fail(`the server dropped the connection (${e.message}); exit: ${JSON.stringify(exit)}; ` +
        `log: ${cria.log().split('\n').filter((l) => l.includes('GGML_ASSERT')).join(' ')}`);
    }
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.tokens.length, 8);
    assert.equal(res.body.truncated, true);
    assert.equal((await cria.get('/health')).status, 200);
  });
});

describe('-c 2 -np 1 (a slot too small to shift)', () => {
  let cria;
  before(async () => { cria = await startCria(['-c', '2', '-np', '1', ...THREADS]); });
  after(async () => { await cria?.stop(); });

  test('generation stops at the full context with truncated and stopped_limit, and the server goes on', async () => {
    const res = await cria.post('/completion', { prompt: '', n_predict: 20, ignore_eos: true });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.truncated, true);
    assert.equal(res.body.stopped_limit, true);
    assert.ok(res.body.tokens.length < 20, `${res.body.tokens.length} tokens in a 2-token slot`);
    assert.equal((await cria.post('/completion', { prompt: '', n_predict: 1 })).status, 200);
  });
});
