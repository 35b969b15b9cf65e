// Speculative decoding from the model's own multi-token-prediction layers (--spec-type draft-mtp).
//
// The model is tiny-mtp.gguf (scripts/make-test-models: make-model --mtp 1, the glm4moe
// architecture with tiny's dimensions and vocabulary and one NextN block). Its NextN block is built to agree with the main model part of
// the time, so drafts are both accepted and rejected. Speculative decoding must not change results:
// every response is what plain decoding of the same model gives (and what reference-decode gives),
// alone and beside other requests, on a reused cache, through context shifts and when sampling with
// a seed; the drafts really run (timings, /metrics). The drafts are llama-server's own: with its
// defaults (3 tokens, no minimum probability), as many tokens are drafted and accepted as there
// (which a draft fed the wrong hidden states, or fed them at the wrong positions, would not be: the
// block's guess changes with the hidden state at about one position in five). A model without
// NextN layers is a start-up error, as in llama-server.
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

const MODEL = path.join(MODELS, 'tiny-mtp.gguf');
const N_PREDICT = 96;
const MTP = ['--spec-type', 'draft-mtp'];

let CASES;   // [{ prompt, reference }]
let plain;   // the same model without speculative decoding: the expected responses

before(async () => {
  CASES = promptsWithoutNearTies(referenceDecode, MODEL, [...SHORT_PROMPTS, ...LONG_PROMPTS], 3, N_PREDICT);
  plain = await startCria(['-np', '3', ...THREADS], { model: MODEL });
});
after(async () => { await plain?.stop(); });

describe('--spec-type draft-mtp', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '3', ...THREADS, ...MTP, '--metrics'], { model: MODEL }); });
  after(async () => { await cria?.stop(); });

  test('start-up names the NextN layers it drafts with', () => {
    assert.match(cria.log(), /draft-mtp: 1 NextN layer/);
  });

  test('greedy output is plain decoding\'s and reference-decode\'s; drafts are accepted and rejected', async () => {
    const before = {
      tokens: await metric(cria, 'spec_decode_num_draft_tokens_total'),
      accepted: await metric(cria, 'spec_decode_num_accepted_tokens_total'),
      drafts: await metric(cria, 'spec_decode_num_drafts_total'),
    };
    const responses = await assertDraftedLikePlain(cria, plain, CASES, N_PREDICT);
    const n = drafted(responses);
    const ok = accepted(responses);
    // /metrics counts the same drafts.
    assert.equal(await metric(cria, 'spec_decode_num_draft_tokens_total') - before.tokens, n);
    assert.equal(await metric(cria, 'spec_decode_num_accepted_tokens_total') - before.accepted, ok);
    assert.ok(await metric(cria, 'spec_decode_num_drafts_total') > before.drafts);
  });

  test('3 concurrent requests, one of them not drafting, each get what they get alone', async () => {
    const bodies = CASES.map(({ prompt }, i) => {
      const body = greedy(prompt, N_PREDICT, { cache_prompt: false });
      return i === 1 ? { ...body, 'speculative.n_max': 0 } : body;
    });
    const responses = await Promise.all(bodies.map((b) => complete(cria, b)));
    assert.equal(new Set(responses.map((r) => r.id_slot)).size, 3, 'the requests did not run side by side');
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(responses[i].tokens, CASES[i].reference.tokens, `request ${i} differs from reference-decode`);
    }
    assert.equal(responses[1].timings.draft_n, undefined, 'speculative.n_max 0 still drafted');
    assert.ok(accepted([responses[0], responses[2]]) > 0);
  });

  plainOutputTests(() => ({ cria, plain, cases: CASES }));
});

contextShiftTests('draft-mtp', MTP, () => CASES[0].prompt, MODEL);

test('the drafts are llama-server\'s: as many drafted and accepted for each prompt', async (t) => {
  await assertLlamaServerDrafts(t, MODEL, MTP, CASES, N_PREDICT);
});

test('a model without NextN layers cannot start with draft-mtp', async () => {
  const r = await runCria(['-m', TINY_MODEL, '--host', '127.0.0.1', '--port', String(await freePort()), ...THREADS, ...MTP],
    { timeoutMs: 30000 });
  assert.notEqual(r.code, 0);
  assert.match(r.stdout + r.stderr, /draft-mtp: '.*tiny\.gguf' has no multi-token-prediction \(NextN\) layers/);
});
