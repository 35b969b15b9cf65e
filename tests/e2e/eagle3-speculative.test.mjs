// Speculative decoding with an EAGLE-3 draft model (--spec-type draft-eagle3 -md FILE).
//
// The main model is tiny.gguf; the draft model tiny-eagle3.gguf (scripts/make-test-models:
// make-model --eagle3, libllama's eagle3 architecture made for tiny: it reads the inputs of tiny's
// layers 0 and 1 and its final hidden state). Its guesses agree with the main model part of the
// time, and they move with the hidden states it is fed, so drafts are accepted and rejected, and a
// draft fed the wrong hidden states (or at the wrong positions) drafts differently from
// llama-server. Speculative decoding must not change results: every response is what plain
// decoding gives (and reference-decode), alone and beside other requests, on a reused cache and
// through context shifts.
// The drafts are llama-server's own: as many drafted and accepted for each prompt. A draft model
// that is not EAGLE-3, or was made for another main model, is a start-up error.
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

const DRAFT = path.join(MODELS, 'tiny-eagle3.gguf');
const N_PREDICT = 96;
const EAGLE3 = ['--spec-type', 'draft-eagle3', '-md', DRAFT];

let CASES;   // [{ prompt, reference }]
let plain;   // the main model without speculative decoding: the expected responses

before(async () => {
  CASES = promptsWithoutNearTies(referenceDecode, TINY_MODEL, [...SHORT_PROMPTS, ...LONG_PROMPTS], 3, N_PREDICT);
  plain = await startCria(['-np', '3', ...THREADS]);
});
after(async () => { await plain?.stop(); });

describe('--spec-type draft-eagle3', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '3', ...THREADS, ...EAGLE3, '--metrics']); });
  after(async () => { await cria?.stop(); });

  test('start-up names the layers the draft model reads', () => {
    assert.match(cria.log(), /draft-eagle3: '.*tiny-eagle3\.gguf' reads layers 0, 1, 2 of the main model/);
  });

  test('greedy output is plain decoding\'s and reference-decode\'s; drafts are accepted and rejected', async () => {
    const before = {
      tokens: await metric(cria, 'spec_decode_num_draft_tokens_total'),
      accepted: await metric(cria, 'spec_decode_num_accepted_tokens_total'),
    };
    const responses = await assertDraftedLikePlain(cria, plain, CASES, N_PREDICT);
    const n = drafted(responses);
    const ok = accepted(responses);
    // As llama-server 0.7 writes it: "none", then the server's kinds.
    assert.equal(responses[0].generation_settings['speculative.types'], 'none,draft-eagle3');
    assert.equal((await complete(plain, greedy('hi', 1))).generation_settings['speculative.types'], 'none');
    assert.equal(await metric(cria, 'spec_decode_num_draft_tokens_total') - before.tokens, n);
    assert.equal(await metric(cria, 'spec_decode_num_accepted_tokens_total') - before.accepted, ok);
  });

  test('3 concurrent requests each get what they get alone', async () => {
    const bodies = CASES.map(({ prompt }) => greedy(prompt, N_PREDICT, { cache_prompt: false }));
    const responses = await Promise.all(bodies.map((b) => complete(cria, b)));
    assert.equal(new Set(responses.map((r) => r.id_slot)).size, 3, 'the requests did not run side by side');
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(responses[i].tokens, CASES[i].reference.tokens, `request ${i} differs from reference-decode`);
    }
    assert.ok(accepted(responses) > 0);
  });

  plainOutputTests(() => ({ cria, plain, cases: CASES }));
});

contextShiftTests('draft-eagle3', EAGLE3, () => CASES[0].prompt);

test('the drafts are llama-server\'s: as many drafted and accepted for each prompt', async (t) => {
  await assertLlamaServerDrafts(t, TINY_MODEL, EAGLE3, CASES, N_PREDICT);
});

test('a draft model that is not EAGLE-3, or was made for another main model, cannot start', async () => {
  const port = async () => ['--host', '127.0.0.1', '--port', String(await freePort()), ...THREADS];
  const notEagle = await runCria(['-m', TINY_MODEL, ...await port(), '--spec-type', 'draft-eagle3', '-md', TINY_MODEL],
    { timeoutMs: 30000 });
  assert.notEqual(notEagle.code, 0);
  assert.match(notEagle.stdout + notEagle.stderr, /draft-eagle3: draft model '.*tiny\.gguf' is not an EAGLE-3 model \(architecture 'llama'\)/);
  const wider = await runCria(['-m', path.join(MODELS, 'small.gguf'), ...await port(), ...EAGLE3], { timeoutMs: 30000 });
  assert.notEqual(wider.code, 0);
  assert.match(wider.stdout + wider.stderr, /was made for a main model 32 wide; this one is 256/);
  const none = await runCria(['-m', TINY_MODEL, ...await port(), '--spec-type', 'draft-eagle3'], { timeoutMs: 30000 });
  assert.notEqual(none.code, 0);
  assert.match(none.stdout + none.stderr, /--spec-type draft-eagle3 needs a draft model/);
});
