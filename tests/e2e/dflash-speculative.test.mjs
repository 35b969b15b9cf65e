// Speculative decoding with a DFlash block-diffusion draft model (--spec-type draft-dflash -md FILE).
//
// The draft is tiny-dflash.gguf (scripts/make-test-models: make-model --dflash models/tiny.gguf),
// which reads tiny.gguf's hidden states at its first two layers and guesses a block of tokens in one
// decode. Its weights make its guesses follow the embedding of the block's first token, nudged by
// the injected hidden states and by each slot's position, so drafts are accepted and rejected, and
// a draft fed the wrong hidden states, or blocks of the wrong size, guesses differently.
// Speculative decoding must not change results: every response is what plain decoding of tiny.gguf
// gives (and what reference-decode gives), alone and beside other requests, on a reused cache,
// through context shifts and when sampling with a seed. The drafts are llama-server's own: with
// the same --spec-draft-n-max and p-min 0, as many tokens are drafted and accepted for each prompt.
// A draft-dflash without a DFlash draft model is a start-up error.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startCria, referenceDecode, runCria, freePort, TINY_MODEL, MODELS } from './lib/cria.mjs';
import {
  SHORT_PROMPTS, LONG_PROMPTS, THREADS, greedy, complete, promptsWithoutNearTies,
} from './lib/generation-helpers.mjs';
import {
  outcome, drafted, accepted, metric, assertLlamaServerDrafts, assertDraftedLikePlain, plainOutputTests, contextShiftTests,
} from './lib/speculative-helpers.mjs';

const DRAFT = path.join(MODELS, 'tiny-dflash.gguf');
const N_PREDICT = 96;
const DFLASH = ['--spec-type', 'draft-dflash', '-md', DRAFT];
const DSPARK = ['--spec-type', 'draft-dspark', '-md', path.join(MODELS, 'tiny-dspark.gguf')];

let CASES;   // [{ prompt, reference }]
let plain;   // tiny.gguf without speculative decoding: the expected responses

before(async () => {
  CASES = promptsWithoutNearTies(referenceDecode, TINY_MODEL, [...SHORT_PROMPTS, ...LONG_PROMPTS], 3, N_PREDICT);
  plain = await startCria(['-np', '3', ...THREADS]);
});
after(async () => { await plain?.stop(); });

describe('--spec-type draft-dflash', () => {
  let cria;
  before(async () => {
    cria = await startCria(['-np', '3', ...THREADS, ...DFLASH, '--draft-max', '5', '--draft-p-min', '0', '--metrics']);
  });
  after(async () => { await cria?.stop(); });

  test('start-up names the block and the layers it reads', () => {
    assert.match(cria.log(), /draft-dflash: block of 8 tokens, reading 2 layer\(s\) of the main model/);
  });

  test('greedy output is plain decoding\'s and reference-decode\'s; drafts are accepted and rejected', async () => {
    const before = {
      tokens: await metric(cria, 'spec_decode_num_draft_tokens_total'),
      accepted: await metric(cria, 'spec_decode_num_accepted_tokens_total'),
    };
    const responses = await assertDraftedLikePlain(cria, plain, CASES, N_PREDICT);
    const n = drafted(responses);
    const ok = accepted(responses);
    assert.equal(await metric(cria, 'spec_decode_num_draft_tokens_total') - before.tokens, n);
    assert.equal(await metric(cria, 'spec_decode_num_accepted_tokens_total') - before.accepted, ok);
  });

  test('3 concurrent requests, one of them not drafting, each get what they get alone', async () => {
    const bodies = CASES.map(({ prompt }, i) => {
      const body = greedy(prompt, N_PREDICT, { cache_prompt: false });
      return i === 1 ? { ...body, 'speculative.n_max': 0 } : body;
    });
    const alone = [];
    for (const b of bodies) alone.push(await complete(cria, b));
    const together = await Promise.all(bodies.map((b) => complete(cria, b)));
    assert.equal(new Set(together.map((r) => r.id_slot)).size, 3, 'the requests did not run side by side');
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(together[i].tokens, CASES[i].reference.tokens, `request ${i} differs from reference-decode`);
      // Each slot's blocks read only its own rows: the drafts are those it gets alone.
      assert.deepEqual([together[i].timings.draft_n, together[i].timings.draft_n_accepted],
        [alone[i].timings.draft_n, alone[i].timings.draft_n_accepted], `request ${i}: drafted and accepted`);
    }
    assert.equal(together[1].timings.draft_n, undefined, 'speculative.n_max 0 still drafted');
  });

  plainOutputTests(() => ({ cria, plain, cases: CASES }));
});

describe('--spec-type draft-dspark', () => {
  let cria;
  // One KV stream for all slots: libllama then puts every slot's block in one micro-batch.
  before(async () => { cria = await startCria(['-np', '3', '--kv-unified', ...THREADS, ...DSPARK, '--draft-max', '6', '--draft-p-min', '0']); });
  after(async () => { await cria?.stop(); });

  test('greedy output, alone and side by side, is plain decoding\'s; drafts are accepted and rejected', async () => {
    assert.match(cria.log(), /draft-dspark: block of 8 tokens/);
    const bodies = CASES.map(({ prompt }) => greedy(prompt, N_PREDICT, { cache_prompt: false }));
    const alone = [];
    for (const b of bodies) alone.push(await complete(cria, b));
    const together = await Promise.all(bodies.map((b) => complete(cria, b)));
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(alone[i].tokens, CASES[i].reference.tokens, `request ${i} differs from reference-decode`);
      assert.deepEqual(outcome(alone[i]), outcome(await complete(plain, bodies[i])), `request ${i} differs from plain decoding`);
      assert.deepEqual(together[i].tokens, CASES[i].reference.tokens, `request ${i} side by side`);
    }
    assert.ok(accepted(alone) > 0 && accepted(alone) < drafted(alone), 'drafts were not both accepted and rejected');
  });

  test('requests of different draft sizes drafting side by side each get what they get alone', async () => {
    // Blocks of different sizes in one step (DSpark's Markov head takes blocks of one size at a time).
    const bodies = CASES.map(({ prompt }, i) => ({ ...greedy(prompt, N_PREDICT, { cache_prompt: false }), 'speculative.n_max': 2 + i }));
    const alone = [];
    for (const b of bodies) alone.push(await complete(cria, b));
    const together = await Promise.all(bodies.map((b) => complete(cria, b)));
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(together[i].tokens, CASES[i].reference.tokens);
      assert.deepEqual([together[i].timings.draft_n, together[i].timings.draft_n_accepted],
        [alone[i].timings.draft_n, alone[i].timings.draft_n_accepted], `request ${i}: drafted and accepted`);
    }
  });
});

contextShiftTests('draft-dflash', DFLASH, () => CASES[0].prompt);

// llama-server's runs compared: both layouts, blocks of several sizes (the guesses depend on the
// size), a p_min that cuts drafts (draft-dflash: the best token's probability among the 10 most
// likely; draft-dspark: the confidence head).
const ORACLE_RUNS = [
  { kind: DFLASH, nMax: '3', pMin: '0' },
  { kind: DFLASH, nMax: '7', pMin: '0' },
  { kind: DFLASH, nMax: '5', pMin: '0.3' },
  { kind: DSPARK, nMax: '3', pMin: '0' },
  { kind: DSPARK, nMax: '8', pMin: '0' },
  { kind: DSPARK, nMax: '5', pMin: '0.5' },
];

test('the drafts are llama-server\'s: as many drafted and accepted for each prompt', async (t) => {
  for (const { kind, nMax, pMin } of ORACLE_RUNS) {
    await assertLlamaServerDrafts(t, TINY_MODEL, kind, CASES, N_PREDICT, { nMax, pMin });
  }
});

test('draft-dflash needs a DFlash draft model', async () => {
  const port = async () => String(await freePort());
  const none = await runCria(['-m', TINY_MODEL, '--port', await port(), ...THREADS, '--spec-type', 'draft-dflash']);
  assert.notEqual(none.code, 0);
  assert.match(none.stdout + none.stderr, /--spec-type draft-dflash needs a draft model/);
  const other = await runCria(['-m', TINY_MODEL, '--host', '127.0.0.1', '--port', await port(), ...THREADS,
    '--spec-type', 'draft-dflash', '-md', path.join(MODELS, 'tiny-draft.gguf')], { timeoutMs: 30000 });
  assert.notEqual(other.code, 0);
  assert.match(other.stdout + other.stderr, /draft-dflash: draft model '.*tiny-draft\.gguf' is not a DFlash draft/);
});
