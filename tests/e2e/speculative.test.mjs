// Speculative decoding must not change results. With a draft model (--model-draft) or with
// n-gram lookup (--spec-type ngram-simple), every response is what plain decoding gives: the same
// tokens, text, stop, probabilities and cache use, alone and beside other requests, streamed or
// not, when a stop string or the n_predict limit ends generation inside a draft, through context
// shifts, and also when sampling with a seed. The drafts really run (timings.draft_n), and are
// accepted (the draft model with tiny.gguf's own weights agrees with it), rejected (tiny-draft.gguf
// has other weights) or partly accepted (n-gram lookup).
//
// The greedy prompts are chosen (promptsWithoutNearTies) so that no step is a near-tie that
// legitimate rounding differences between batch shapes could flip.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  startCria, referenceDecode, runCria, assertErrorShape, freePort, TINY_MODEL, MODELS,
} from './lib/cria.mjs';
import {
  SHORT_PROMPTS, LONG_PROMPTS, THREADS, greedy, complete, streamCompletion, promptsWithoutNearTies,
} from './lib/generation-helpers.mjs';
import { makeTempDir, makeModel } from './lib/misc-helpers.mjs';
import { outcome, drafted, accepted } from './lib/speculative-helpers.mjs';

const DRAFT_MODEL = path.join(MODELS, 'tiny-draft.gguf');
const N_PREDICT = 120;

// Drafting as much as possible: the draft model drafts even where it is unsure.
const eager = (body) => ({ ...body, 'speculative.p_min': 0 });

const CONFIGS = [
  { name: 'a draft model that agrees (the same weights)', args: ['-md', TINY_MODEL], accepts: true },
  { name: 'a draft model that disagrees (other weights)', args: ['-md', DRAFT_MODEL], accepts: false },
  { name: 'n-gram lookup', args: ['--spec-type', 'ngram-simple', '--spec-ngram-simple-size-n', '2'], accepts: true },
  {
    name: 'n-gram lookup, then a draft model',
    args: ['--spec-type', 'ngram-simple,draft-simple', '-md', TINY_MODEL, '--spec-ngram-simple-size-n', '3'],
    accepts: true,
  },
];

let CASES;   // [{ prompt, reference }]: greedy prompts without near-ties, with reference-decode's output
let plain;   // a server without speculative decoding: the expected responses
const plainCache = new Map();

// The plain server's response to `body` (each asked once; bodies with cache_prompt false or a
// fresh prompt give the same answer every time).
async function expected(body) {
  const key = JSON.stringify(body);
  if (!plainCache.has(key)) plainCache.set(key, await complete(plain, body));
  return plainCache.get(key);
}

before(async () => {
  // (Over 120 tokens the tiny model's output repeats itself here and there: n-gram lookup finds
  // something to draft, and some of it is right.)
  CASES = promptsWithoutNearTies(referenceDecode, TINY_MODEL, [...SHORT_PROMPTS, ...LONG_PROMPTS], 3, N_PREDICT);
  plain = await startCria(['-np', '3', ...THREADS]);
});
after(async () => { await plain?.stop(); });

for (const config of CONFIGS) {
  describe(`speculative decoding with ${config.name}`, () => {
    let cria;
    before(async () => { cria = await startCria(['-np', '3', ...THREADS, ...config.args]); });
    after(async () => { await cria?.stop(); });

    test('greedy output alone is the same as plain decoding and reference-decode', async () => {
      const responses = [];
      for (const { prompt, reference } of CASES) {
        const body = greedy(prompt, N_PREDICT, { cache_prompt: false });
        const r = await complete(cria, eager(body));
        assert.deepEqual(r.tokens, reference.tokens, `"${prompt}" differs from reference-decode`);
        assert.deepEqual(outcome(r), outcome(await expected(body)), `"${prompt}" differs from plain decoding`);
        responses.push(r);
      }
      // The drafts ran, and were accepted or not as this configuration should.
      assert.ok(drafted(responses) > 0, 'nothing was drafted');
      for (const r of responses) assert.ok((r.timings.draft_n_accepted ?? 0) <= (r.timings.draft_n ?? 0));
      if (config.accepts) assert.ok(accepted(responses) > 0, 'no draft token was accepted');
    });

    test('3 concurrent requests, one of them not drafting, each get what they get alone', async () => {
      const bodies = CASES.map(({ prompt }, i) => {
        const body = greedy(prompt, N_PREDICT, { cache_prompt: false });
        return i === 1 ? { ...body, 'speculative.n_max': 0 } : eager(body);
      });
      const responses = await Promise.all(bodies.map((b) => complete(cria, b)));
      assert.equal(new Set(responses.map((r) => r.id_slot)).size, 3, 'the requests did not run side by side');
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(responses[i].tokens, CASES[i].reference.tokens, `request ${i} differs from reference-decode`);
        assert.deepEqual(outcome(responses[i]), outcome(await expected(greedy(CASES[i].prompt, N_PREDICT, { cache_prompt: false }))));
      }
      assert.equal(responses[1].timings.draft_n, undefined, 'speculative.n_max 0 still drafted');
      assert.ok(drafted([responses[0], responses[2]]) > 0);
    });

    test('a stop string ends the output where plain decoding ends it', async () => {
      for (const { prompt } of CASES) {
        const full = await expected(greedy(prompt, N_PREDICT, { cache_prompt: false }));
        // Stop strings taken from several places of the output (within tokens and across them),
        // most of them met inside a run of drafted tokens.
        for (const at of [0.2, 0.5, 0.8]) {
          const start = Math.floor(full.content.length * at);
          const stop = full.content.slice(start, start + 4);
          assert.ok(stop.length > 0);
          const body = greedy(prompt, N_PREDICT, { cache_prompt: false, stop: [stop] });
          const want = await expected(body);
          assert.equal(want.stop_type, 'word');
          const r = await complete(cria, eager(body));
          assert.deepEqual(outcome(r), outcome(want), `stop ${JSON.stringify(stop)} in "${prompt}"`);
        }
      }
    });

    test('n_predict limits end the output where plain decoding ends it', async () => {
      const { prompt, reference } = CASES[0];
      for (const n of [1, 2, 3, 5, 17, 31]) {
        const body = greedy(prompt, n, { cache_prompt: false });
        const r = await complete(cria, eager(body));
        assert.deepEqual(r.tokens, reference.tokens.slice(0, n), `n_predict ${n}`);
        assert.deepEqual(outcome(r), outcome(await expected(body)), `n_predict ${n}`);
        assert.equal(r.stop_type, 'limit');
      }
    });

    test('streaming sends one event per token, with the same tokens, text and probabilities', async () => {
      const { prompt, reference } = CASES[1];
      const body = greedy(prompt, N_PREDICT, { cache_prompt: false, n_probs: 3 });
      const want = await expected(body);
      const got = await streamCompletion(cria, eager(body));
      assert.equal(got.chunks.length, N_PREDICT);
      for (const chunk of got.chunks) assert.equal(chunk.tokens.length, 1);
      assert.deepEqual(got.tokens, reference.tokens);
      assert.equal(got.content, want.content);
      const streamed = got.chunks.flatMap((c) => c.completion_probabilities);
      assert.equal(streamed.length, want.completion_probabilities.length);
      streamed.forEach((p, i) => {
        const w = want.completion_probabilities[i];
        assert.equal(p.id, w.id, `token ${i}`);
        assert.ok(Math.abs(p.prob - w.prob) < 1e-4, `token ${i}: prob ${p.prob} vs ${w.prob}`);
        assert.deepEqual(p.probs.map((c) => c.id), w.probs.map((c) => c.id), `token ${i}: top candidates`);
      });
      if (config.args.includes(TINY_MODEL)) assert.ok(got.final.timings.draft_n_accepted > 0);
    });

    test('n_probs reports each token\'s probabilities from the main model, as plain decoding does', async () => {
      const { prompt } = CASES[2];
      const body = greedy(prompt, N_PREDICT, { cache_prompt: false, n_probs: 2 });
      const want = await expected(body);
      const r = await complete(cria, eager(body));
      assert.deepEqual(r.tokens, want.tokens);
      assert.equal(r.completion_probabilities.length, want.completion_probabilities.length);
      r.completion_probabilities.forEach((p, i) => {
        const w = want.completion_probabilities[i];
        assert.equal(p.id, w.id);
        assert.ok(Math.abs(p.prob - w.prob) < 1e-4, `token ${i}: prob ${p.prob} vs ${w.prob}`);
        p.probs.forEach((c, k) => {
          assert.equal(c.id, w.probs[k].id);
          assert.ok(Math.abs(c.prob - w.probs[k].prob) < 1e-4);
        });
      });
    });

    test('sampling with a seed gives what plain decoding gives with that seed', async () => {
      const responses = [];
      for (const [i, seed] of [[0, 42], [1, 7]]) {
        const body = { prompt: CASES[i].prompt, n_predict: 64, temperature: 0.8, seed, cache_prompt: false };
        const r = await complete(cria, eager(body));
        assert.deepEqual(outcome(r), outcome(await expected(body)), `seed ${seed}`);
        responses.push(r);
      }
      // (Sampled text rarely repeats itself: only a draft model is sure to draft here.)
      if (config.args.includes('-md')) assert.ok(drafted(responses) > 0);
    });

    test('a grammar constrains every verified token as it does in plain decoding', async () => {
      // Words of lowercase letters, repeating a pattern: drafts that break the grammar are rejected.
      const grammar = 'root ::= ("ab" [a-z]* " ")+';
      for (const seed of [1, 2]) {
        const body = { prompt: CASES[0].prompt, grammar, n_predict: 40, temperature: 0.7, seed, cache_prompt: false };
        const want = await expected(body);
        assert.match(want.content, /^(ab[a-z]* )*(ab[a-z]*)?$/);
        assert.deepEqual(outcome(await complete(cria, eager(body))), outcome(want), `seed ${seed}`);
      }
    });

    test('the cache holds what plain decoding leaves: a follow-up request reuses the same prefix', async () => {
      const { prompt } = CASES[0];
      const first = greedy(prompt, 20, { id_slot: 0, stop: [] });
      const a = await complete(cria, eager(first));
      // (What this first request reuses depends on what the slot held before; the rest does not.)
      const { cache_n: _a, prompt_n: _b, ...rest } = outcome(a);
      const { cache_n: _c, prompt_n: _d, ...wantRest } = outcome(await complete(plain, first));
      assert.deepEqual(rest, wantRest);
      const follow = greedy(prompt + a.content + ' and', 20, { id_slot: 0 });
      const b = await complete(cria, eager(follow));
      const want = await complete(plain, follow);
      assert.ok(want.timings.cache_n > 0, 'the plain server reused nothing: the test proves nothing');
      assert.deepEqual(outcome(b), outcome(want));
    });
  });
}

describe('speculative decoding through context shifts', () => {
  let cria;
  let shifting;
  before(async () => {
    shifting = await startCria(['-c', '64', '-np', '1', ...THREADS]);
    cria = await startCria(['-c', '64', '-np', '1', ...THREADS, '-md', TINY_MODEL,
      '--spec-type', 'ngram-simple,draft-simple', '--spec-ngram-simple-size-n', '2']);
  });
  after(async () => { await cria?.stop(); await shifting?.stop(); });

  test('a generation that outgrows the context shifts it as plain decoding does', async () => {
    for (const { prompt } of CASES.slice(0, 2)) {
      const body = { prompt, n_predict: 150, temperature: 0, cache_prompt: false };
      const want = await complete(shifting, body);
      assert.equal(want.truncated, true, 'the context never shifted: the test proves nothing');
      const r = await complete(cria, eager(body));
      assert.deepEqual(outcome(r), outcome(want));
      assert.ok(r.timings.draft_n_accepted > 0);
    }
  });
});

describe('speculative decoding beside LoRA adapters', () => {
  // The draft model runs without the adapter, so its drafts are worse under it; the verification
  // runs in the batch of the request's own LoRA scales, so outputs stay the same.
  const LORA = path.join(MODELS, 'tiny-lora.gguf');
  let plainLora;
  let cria;
  before(async () => {
    plainLora = await startCria(['-np', '2', ...THREADS, '--lora', LORA]);
    cria = await startCria(['-np', '2', ...THREADS, '--lora', LORA, '-md', TINY_MODEL,
      '--spec-type', 'ngram-simple,draft-simple', '--spec-ngram-simple-size-n', '2']);
  });
  after(async () => { await cria?.stop(); await plainLora?.stop(); });

  test('requests under different scales, side by side, get what plain decoding gives them', async () => {
    const bodies = [0, 1].map((scale) => greedy(CASES[0].prompt, N_PREDICT, { cache_prompt: false, lora: [{ id: 0, scale }] }));
    const want = [];
    for (const b of bodies) want.push(await complete(plainLora, b));
    assert.notDeepEqual(want[0].tokens, want[1].tokens, 'the adapter changes nothing: the test proves nothing');
    assert.deepEqual(want[0].tokens, CASES[0].reference.tokens, 'scale 0 is the base model');
    const got = await Promise.all(bodies.map((b) => complete(cria, eager(b))));
    for (let i = 0; i < 2; i++) assert.deepEqual(outcome(got[i]), outcome(want[i]), `scale ${i}`);
    assert.ok(drafted(got) > 0);
  });
});

describe('a draft context smaller than a slot', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '1', ...THREADS, '-md', TINY_MODEL, '-cd', '40']); });
  after(async () => { await cria?.stop(); });

  test('drafting stops where the history outgrows the draft context; the output stays the same', async () => {
    const { prompt, reference } = CASES[0];
    const body = greedy(prompt, N_PREDICT, { cache_prompt: false });
    const r = await complete(cria, eager(body));
    assert.deepEqual(r.tokens, reference.tokens);
    assert.deepEqual(outcome(r), outcome(await expected(body)));
    // Drafts came only while prompt and output fitted in 40 tokens: far fewer than the output.
    assert.ok(r.timings.draft_n > 0 && r.timings.draft_n < 40, `draft_n ${r.timings.draft_n}`);
  });
});

describe('speculative decoding settings of a request', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '2', ...THREADS, '-md', TINY_MODEL, '--draft-max', '5', '--draft-min', '1', '--draft-p-min', '0.5']); });
  after(async () => { await cria?.stop(); });

  test('/props and generation_settings show the speculative settings', async () => {
    const props = (await cria.get('/props')).body.default_generation_settings;
    assert.equal(props['speculative.n_max'], 5);
    assert.equal(props['speculative.n_min'], 1);
    assert.equal(props['speculative.p_min'], 0.5);
    const r = await complete(cria, greedy('Hello', 4, { 'speculative.n_max': 3, 'speculative.n_min': 9, 'speculative.p_min': 0.25 }));
    assert.equal(r.generation_settings['speculative.n_max'], 3);
    assert.equal(r.generation_settings['speculative.n_min'], 3, 'n_min above n_max is lowered to it');
    assert.equal(r.generation_settings['speculative.p_min'], 0.25);
  });

  test('speculative.n_max limits the draft; 0 turns drafting off', async () => {
    const body = greedy(CASES[0].prompt, 30, { cache_prompt: false, 'speculative.p_min': 0 });
    const one = await complete(cria, { ...body, 'speculative.n_max': 1 });
    // One drafted token per step at most: never more than one per generated token.
    assert.ok(one.timings.draft_n > 0 && one.timings.draft_n <= 30);
    const off = await complete(cria, { ...body, 'speculative.n_max': 0 });
    assert.equal(off.timings.draft_n, undefined);
    assert.deepEqual(off.tokens, one.tokens);
  });

  test('bad speculative fields are refused with a 400 naming the field', async () => {
    for (const [field, value] of [['speculative.n_max', -1], ['speculative.n_min', -2], ['speculative.p_min', 1.5],
      ['speculative.p_min', 'high'], ['speculative.n_max', 2.5]]) {
      const res = await cria.post('/completion', { prompt: 'Hello', n_predict: 2, [field]: value });
      assertErrorShape(assert, res, 400, field);
    }
    assert.equal((await cria.post('/completion', { prompt: 'Hello', n_predict: 2 })).status, 200);
  });

  test('chat completions are the same as without speculative decoding', async () => {
    const body = { messages: [{ role: 'user', content: CASES[1].prompt }], max_tokens: 24, temperature: 0 };
    const got = await cria.post('/v1/chat/completions', { ...body, 'speculative.p_min': 0 });
    const want = await plain.post('/v1/chat/completions', body);
    assert.equal(got.status, 200);
    assert.equal(got.body.choices[0].message.content, want.body.choices[0].message.content);
    assert.equal(got.body.choices[0].finish_reason, want.body.choices[0].finish_reason);
  });
});

describe('draft models that cannot draft are refused at start-up', () => {
  let tmp;
  before(() => { tmp = makeTempDir('cria-spec-'); });
  after(() => { tmp?.cleanup(); });

  test('a draft model with another vocabulary', async () => {
    const other = path.join(tmp.dir, 'other-vocab.gguf');
    makeModel(other, ['--preset', 'tiny', '--n-vocab', '5000']);
    const r = await runCria(['-m', TINY_MODEL, '--port', String(await freePort()), '-md', other], { timeoutMs: 30000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /draft model.*vocabulary is not the same \(the vocabularies have 4980 and 5000 tokens\)/);
  });

  test('a draft model file that does not load', async () => {
    const port = String(await freePort());
    const r = await runCria(['-m', TINY_MODEL, '--port', port, '-md', path.join(tmp.dir, 'missing.gguf')], { timeoutMs: 30000 });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /draft model \(--model-draft\): failed to load model/);
  });

  test('a draft type without a draft model', async () => {
    const r = await runCria(['-m', TINY_MODEL, '--spec-type', 'draft-simple']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /--spec-type draft-simple needs a draft model/);
  });
});
