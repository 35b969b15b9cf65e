// Batching must not change results: greedy output for a prompt is token-for-token the same from
// a plain single-sequence decode loop (build/reference-decode), from cria serving it alone, and
// from cria serving it together with other requests: all at once, or started at staggered
// moments while another slot generates, so that prompts are read in batches shared with
// generating slots. With and without continuous batching, and with a small logical batch that
// splits prompts over several steps. One slot with queued requests must give each request the
// result it gets alone.
//
// The prompts are chosen (see promptsWithoutNearTies) so that no greedy step is a near-tie that
// legitimate float rounding differences between batch shapes could flip.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, referenceDecode, TINY_MODEL } from './lib/cria.mjs';
import {
  SHORT_PROMPTS, LONG_PROMPTS, THREADS, greedy, complete, staggeredStreams, settleAfterDisconnect, promptsWithoutNearTies,
  startBackgroundStream,
} from './lib/generation-helpers.mjs';

const N_PREDICT = 32;
const body = (prompt) => greedy(prompt, N_PREDICT, { cache_prompt: false });

// A prompt for a request that keeps generating in the background.
const BACKGROUND_PROMPT = 'We will see if the water comes up over the hill';

// Four prompts (two short, two long) with their reference decodes, and one more long prompt for
// the prefix-sharing test.
let PROMPTS;
let reference;
let sharedLong;
before(() => {
  const short = promptsWithoutNearTies(referenceDecode, TINY_MODEL, SHORT_PROMPTS, 2, N_PREDICT);
  const long = promptsWithoutNearTies(referenceDecode, TINY_MODEL, LONG_PROMPTS, 3, N_PREDICT);
  const four = [short[0], long[0], short[1], long[1]];
  PROMPTS = four.map((c) => c.prompt);
  reference = four.map((c) => c.reference);
  sharedLong = long[2];
  // The prompts must lead to different outputs, or a mix-up between slots would go unnoticed.
  assert.equal(new Set(reference.map((r) => JSON.stringify(r.tokens))).size, PROMPTS.length);
});

function assertMatchesReference(results, what) {
  results.forEach((tokens, i) => {
    const ref = reference[i].tokens;
    let k = 0;
    while (k < ref.length && tokens[k] === ref[k]) k++;
    assert.deepEqual(tokens, ref,
      `${what}: prompt ${i} (${JSON.stringify(PROMPTS[i].slice(0, 30))}...) differs from reference-decode ` +
      `from generated token ${k} on`);
  });
}

function batchingSuite(name, args, { contBatching = true } = {}) {
  describe(name, () => {
    let cria;
    before(async () => { cria = await startCria(['-np', '5', ...THREADS, ...args]); });
    after(async () => { await cria?.stop(); });

    test('each prompt alone matches reference-decode', async () => {
      const results = [];
      for (const prompt of PROMPTS) results.push((await complete(cria, body(prompt))).tokens);
      assertMatchesReference(results, 'alone');
    });

    test('the 4 prompts sent concurrently match reference-decode', async () => {
      const responses = await Promise.all(PROMPTS.map((prompt) => complete(cria, body(prompt))));
      assertMatchesReference(responses.map((r) => r.tokens), 'concurrent');
      for (const r of responses) assert.equal(r.stopped_limit, true);
      // The four ran in four different slots.
      assert.equal(new Set(responses.map((r) => r.id_slot)).size, PROMPTS.length);
    });

    test('the 4 prompts started at staggered moments, beside a generating slot, match reference-decode',
      { timeout: 60000 }, async () => {
        // A background request generates all along (with continuous batching it does not end on
        // its own; without, it ends after 48 tokens and the others wait for it), so each prompt
        // below is read while another slot generates; each request starts once the previous one
        // has streamed a few tokens.
        const controller = new AbortController();
        const background = await startBackgroundStream(cria, {
          prompt: BACKGROUND_PROMPT, n_predict: contBatching ? 100000 : 48, ignore_eos: true, temperature: 0,
          cache_prompt: false,
        }, controller.signal);
        const eventsBefore = background.events();

        let results;
        try {
          results = await staggeredStreams(cria, PROMPTS.map((prompt) => body(prompt)), 3);
        } finally {
          controller.abort();
        }
        const eventsDuring = background.events() - eventsBefore;
        const bg = await background.done;
        if (contBatching) {
          assert.ok(bg.aborted, 'the background request ended on its own');
          assert.ok(eventsDuring > 0, 'the background request made no progress while the others ran');
        }
        assertMatchesReference(results.map((r) => r.tokens), 'staggered (streamed tokens)');
        results.forEach((r, i) => assert.equal(r.final.tokens_predicted, reference[i].tokens.length));
        // The aborted background request must let its slot go, for the tests after this one.
        await settleAfterDisconnect(cria, 5);
      });

    test('a second concurrent round (slots reused, cache_prompt off) still matches', async () => {
      const reversed = [...PROMPTS.keys()].reverse();
      const responses = await Promise.all(reversed.map((i) => complete(cria, body(PROMPTS[i]))));
      const tokens = [];
      reversed.forEach((i, k) => { tokens[i] = responses[k].tokens; });
      assertMatchesReference(tokens, 'second round');
    });

    test('one long prompt sent 4 times at once with cache_prompt on (shared prefixes) matches reference-decode',
      async () => {
        const responses = await Promise.all([0, 1, 2, 3].map(() =>
          complete(cria, greedy(sharedLong.prompt, N_PREDICT, { cache_prompt: true }))));
        responses.forEach((r, i) => {
          assert.deepEqual(r.tokens, sharedLong.reference.tokens, `copy ${i} (slot ${r.id_slot}) differs from reference-decode`);
          assert.equal(r.tokens_evaluated, sharedLong.reference.prompt_tokens.length);
        });
        // And once more, each now finding the prompt in some slot's cache.
        const again = await Promise.all([0, 1, 2, 3].map(() =>
          complete(cria, greedy(sharedLong.prompt, N_PREDICT, { cache_prompt: true }))));
        again.forEach((r, i) => {
          assert.deepEqual(r.tokens, sharedLong.reference.tokens, `second time, copy ${i} (slot ${r.id_slot}) differs`);
        });
      });
  });
}

batchingSuite('continuous batching', []);
batchingSuite('without continuous batching', ['--no-cont-batching'], { contBatching: false });
// A logical batch of 8 tokens: long prompts are read over several steps, in batches shared with
// generating slots.
batchingSuite('continuous batching, 8-token batches', ['-b', '8']);

describe('one slot, queued requests', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '1', ...THREADS]); });
  after(async () => { await cria?.stop(); });

  test('3 concurrent requests on 1 slot all complete with their own greedy output', async () => {
    const three = PROMPTS.slice(0, 3);
    const alone = [];
    for (const prompt of three) alone.push(await complete(cria, body(prompt)));
    const together = await Promise.all(three.map((prompt) => complete(cria, body(prompt))));
    together.forEach((r, i) => {
      assert.equal(r.content, alone[i].content, `prompt ${i}: queued content differs from alone`);
      assert.deepEqual(r.tokens, alone[i].tokens);
      assert.deepEqual(r.tokens, reference[i].tokens);
      assert.equal(r.id_slot, 0);
    });
  });

  test('queued requests with the prompt cache on also keep their own output', async () => {
    // Each request reuses whatever prefix the slot holds from the one before.
    const order = [0, 2, 0, 1];
    const together = await Promise.all(order.map((i) => complete(cria, greedy(PROMPTS[i], N_PREDICT))));
    together.forEach((r, k) => assert.deepEqual(r.tokens, reference[order[k]].tokens, `request ${k}`));
  });
});

// Prefix sharing between slots: prompts with a long common prefix sent at once compute it once
// (the others copy the KV cells), and the output is the same as each prompt computed alone.
// Flash attention is off here so that only the copy is tested, not the CPU kernel's rounding
// differences between batch sizes.
describe('prefix sharing between slots', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '4', '-fa', 'off', ...THREADS]); });
  after(async () => { await cria?.stop(); });

  const words = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'and', 'runs'];
  const prefix = Array.from({ length: 120 }, (_, i) => words[i % words.length]).join(' ');
  const prompts = ['one', 'two', 'three', 'four'].map((n) => `${prefix} client number ${n} says`);

  test('concurrent prompts sharing 120 words reuse one computation and match their solo outputs', async () => {
    const alone = [];
    for (const prompt of prompts) alone.push(await complete(cria, greedy(prompt, 24, { cache_prompt: false })));
    const together = await Promise.all(prompts.map((p) => complete(cria, greedy(p, 24, { cache_prompt: true }))));
    together.forEach((r, i) => assert.deepEqual(r.tokens, alone[i].tokens, `prompt ${i} (slot ${r.id_slot})`));
    const copied = together.filter((r) => r.timings.cache_n >= 100).length;
    assert.ok(copied >= 3, `only ${copied} of 4 requests reused the shared prefix: ${together.map((r) => r.timings.cache_n)}`);
    assert.equal(new Set(together.map((r) => r.id_slot)).size, 4);
  });

  test('a slot that copied a prefix serves the next request from its own cache', async () => {
    const again = await Promise.all(prompts.map((p) => complete(cria, greedy(p, 24, { cache_prompt: true }))));
    const alone = await complete(cria, greedy(prompts[0], 24, { cache_prompt: false }));
    assert.deepEqual(again[0].tokens, alone.tokens);
  });
});
