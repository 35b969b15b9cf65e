// Request fields that steer generation: n_predict (and the server's -n cap), cache_prompt,
// id_slot, the prompt's forms (text, token ids, mixed) and seed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria } from './lib/cria.mjs';
import { THREADS, greedy, complete, tokenize } from './lib/generation-helpers.mjs';

const PROMPT = 'Once upon a time there was a little girl who lived in a village';

describe('one slot', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '1', ...THREADS]); });
  after(async () => { await cria?.stop(); });

  test('n_predict 0 evaluates the prompt and generates nothing', async () => {
    const promptTokens = await tokenize(cria, PROMPT, true);
    const res = await complete(cria, { prompt: PROMPT, n_predict: 0, cache_prompt: false });
    assert.equal(res.content, '');
    assert.deepEqual(res.tokens, []);
    assert.equal(res.stopped_limit, true);
    assert.equal(res.stopped_eos, false);
    assert.equal(res.stopped_word, false);
    assert.equal(res.tokens_predicted, 0);
    assert.equal(res.tokens_evaluated, promptTokens.length);
    assert.equal(res.timings.prompt_n, promptTokens.length);
  });

  test('n_predict N generates exactly N tokens unless EOS comes first', async () => {
    const longest = await complete(cria, greedy(PROMPT, 24));
    for (const n of [1, 2, 7, 24]) {
      const res = await complete(cria, greedy(PROMPT, n));
      if (res.stopped_eos) {
        assert.ok(res.tokens.length < n, `n_predict ${n}: EOS after ${res.tokens.length} tokens`);
      } else {
        assert.equal(res.tokens.length, n, `n_predict ${n}`);
        assert.equal(res.tokens_predicted, n);
        assert.equal(res.timings.predicted_n, n);
        assert.equal(res.stopped_limit, true);
      }
      // Greedy: a shorter request is a prefix of a longer one.
      assert.deepEqual(res.tokens, longest.tokens.slice(0, res.tokens.length));
      assert.ok(longest.content.startsWith(res.content));
    }
  });

  test('ignore_eos with n_predict N always gives N tokens', async () => {
    const res = await complete(cria, greedy(PROMPT, 20, { ignore_eos: true }));
    assert.equal(res.tokens.length, 20);
    assert.equal(res.stopped_limit, true);
    assert.equal(res.stopped_eos, false);
  });

  test('the same prompt twice reuses the cached prompt and gives the same greedy output', async () => {
    const promptTokens = await tokenize(cria, PROMPT, true);
    const first = await complete(cria, greedy(PROMPT, 16, { cache_prompt: false }));
    assert.equal(first.timings.cache_n, 0);
    assert.equal(first.timings.prompt_n, promptTokens.length);
    const second = await complete(cria, greedy(PROMPT, 16));
    assert.ok(second.timings.cache_n > 0, `second request reused nothing: ${JSON.stringify(second.timings)}`);
    // Everything but the last prompt token, whose logits give the first new token.
    assert.equal(second.timings.cache_n, promptTokens.length - 1);
    assert.equal(second.timings.prompt_n, 1);
    assert.equal(second.tokens_evaluated, promptTokens.length);
    assert.equal(second.content, first.content);
    assert.deepEqual(second.tokens, first.tokens);
  });

  test('cache_prompt false re-evaluates the whole prompt and gives the same greedy output', async () => {
    const promptTokens = await tokenize(cria, PROMPT, true);
    const warm = await complete(cria, greedy(PROMPT, 16));
    const cold = await complete(cria, greedy(PROMPT, 16, { cache_prompt: false }));
    assert.equal(cold.timings.cache_n, 0);
    assert.equal(cold.timings.prompt_n, promptTokens.length);
    assert.equal(cold.content, warm.content);
    assert.deepEqual(cold.tokens, warm.tokens);
  });

  test('a prompt that continues the previous output reuses all of it and continues the same way', async () => {
    // Prompt + 16 generated tokens as the new prompt: the slot holds all of it but the last
    // generated token (never decoded), and greedy decoding goes on as in one 32-token run.
    const promptTokens = await tokenize(cria, PROMPT, true);
    const whole = await complete(cria, greedy(promptTokens, 32, { ignore_eos: true, cache_prompt: false }));
    const head = await complete(cria, greedy(promptTokens, 16, { ignore_eos: true }));
    assert.deepEqual(head.tokens, whole.tokens.slice(0, 16));
    const tail = await complete(cria, greedy([...promptTokens, ...head.tokens], 16, { ignore_eos: true }));
    assert.equal(tail.timings.cache_n, promptTokens.length + 16 - 1);
    assert.deepEqual(tail.tokens, whole.tokens.slice(16), 'continuing from the cache changed the output');
  });

  test('a token-id prompt equal to /tokenize (add_special) of a text gives the text\'s output', async () => {
    const ids = await tokenize(cria, PROMPT, true);
    const fromText = await complete(cria, greedy(PROMPT, 24, { cache_prompt: false }));
    const fromIds = await complete(cria, greedy(ids, 24, { cache_prompt: false }));
    assert.equal(fromIds.content, fromText.content);
    assert.deepEqual(fromIds.tokens, fromText.tokens);
    assert.equal(fromIds.tokens_evaluated, ids.length);
    assert.equal(fromText.tokens_evaluated, ids.length);
  });

  test('a mixed prompt ["text", id, "text"] is the concatenation of its parts\' tokens', async () => {
    const [id] = await tokenize(cria, ' girl', false);
    const head = 'Once upon a time there was a little';
    const tail = ' who lived in a village';
    const mixed = await complete(cria, greedy([head, id, tail], 24, { cache_prompt: false }));
    // Only a leading text part gets BOS.
    const ids = [...await tokenize(cria, head, true), id, ...await tokenize(cria, tail, false)];
    assert.equal(mixed.tokens_evaluated, ids.length);
    const fromIds = await complete(cria, greedy(ids, 24, { cache_prompt: false }));
    assert.equal(mixed.content, fromIds.content);
    assert.deepEqual(mixed.tokens, fromIds.tokens);
  });
});

describe('server-wide -n cap', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '1', '-n', '5', ...THREADS]); });
  after(async () => { await cria?.stop(); });

  test('-n 5 caps a request that asks for 20 tokens (and one that asks for no limit)', async () => {
    for (const nPredict of [20, -1, undefined]) {
      const body = greedy(PROMPT, nPredict, { ignore_eos: true });
      if (nPredict === undefined) delete body.n_predict;
      const res = await complete(cria, body);
      assert.equal(res.tokens.length, 5, `n_predict ${nPredict}`);
      assert.equal(res.stopped_limit, true);
    }
  });

  test('-n 5 leaves a smaller n_predict alone', async () => {
    const res = await complete(cria, greedy(PROMPT, 3, { ignore_eos: true }));
    assert.equal(res.tokens.length, 3);
  });
});

describe('two slots', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '2', ...THREADS]); });
  after(async () => { await cria?.stop(); });

  test('id_slot picks the slot that serves the request', async () => {
    for (const idSlot of [1, 1, 0, 1, 0, 0]) {
      const res = await complete(cria, greedy('The quick brown fox', 4, { id_slot: idSlot }));
      assert.equal(res.id_slot, idSlot);
    }
  });

  test('id_slot -1 takes any idle slot', async () => {
    const res = await complete(cria, greedy('The quick brown fox', 4, { id_slot: -1 }));
    assert.ok(res.id_slot === 0 || res.id_slot === 1);
  });
});

describe('seed', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '4', ...THREADS]); });
  after(async () => { await cria?.stop(); });

  // Short prompts throughout: batches stay small, so the logits are bit-for-bit the same whatever
  // else runs beside (see MIN_GAP in the helpers for what larger batches may change).
  const sampled = (prompt, seed, extra = {}) => ({ prompt, n_predict: 32, temperature: 0.8, seed, ...extra });

  test('temperature 0.8 with seed 42 twice gives the same output', async () => {
    const a = await complete(cria, sampled('The quick brown fox', 42));
    const b = await complete(cria, sampled('The quick brown fox', 42, { cache_prompt: false }));
    assert.equal(b.content, a.content);
    assert.deepEqual(b.tokens, a.tokens);
    assert.equal(a.generation_settings.seed, 42);
  });

  test('seed 42 gives the same output under concurrent load', async () => {
    const alone = await complete(cria, sampled('The quick brown fox', 42));
    const results = await Promise.all([
      complete(cria, sampled('people know what they like', 7)),
      complete(cria, sampled('The quick brown fox', 42)),
      complete(cria, sampled('look at the water', -1)),
      complete(cria, greedy('my time is up now', 32)),
    ]);
    assert.equal(results[1].content, alone.content);
    assert.deepEqual(results[1].tokens, alone.tokens);
    // Another seeded request in a different slot at the same time: the same output too.
    const twice = await Promise.all([
      complete(cria, sampled('The quick brown fox', 42)),
      complete(cria, sampled('The quick brown fox', 42)),
      complete(cria, sampled('people know what they like', 43)),
    ]);
    assert.notEqual(twice[0].id_slot, twice[1].id_slot);
    assert.deepEqual(twice[0].tokens, alone.tokens);
    assert.deepEqual(twice[1].tokens, alone.tokens);
  });

  test('different seeds give different outputs', async () => {
    const outputs = new Set();
    for (const seed of [1, 2, 3, 4]) {
      outputs.add((await complete(cria, sampled('The quick brown fox', seed, { temperature: 1.5 }))).content);
    }
    assert.ok(outputs.size > 1, 'four seeds, one output: the seed is ignored');
  });
});
