// The draft-free kinds of speculative decoding (--spec-type ngram-simple, ngram-map-k,
// ngram-map-k4v, ngram-mod, ngram-cache): on prompts that repeat themselves, each kind drafts,
// some of its drafts are accepted, and greedy output is token for token what plain decoding gives.
// The lookup caches: -lcd writes a file when the server stops that -lcs loads at the next start
// (and llama-server loads it too: the file format is llama.cpp's); a bad file stops the start-up
// with an error naming the option. Also: probabilistic draft sampling (a draft model's sampled
// drafts verified by rejection sampling) and synthetic acceptance.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startCria, referenceDecode, runCria, freePort, TINY_MODEL } from './lib/cria.mjs';
import { THREADS, LONG_PROMPTS, greedy, complete, promptsWithoutNearTies } from './lib/generation-helpers.mjs';
import { makeTempDir } from './lib/misc-helpers.mjs';
import { llamaServerPath, startLlamaServer } from './lib/llama-server.mjs';
import { drafted, accepted } from './lib/speculative-helpers.mjs';

const N_PREDICT = 96;

// Text that repeats itself: what n-gram drafting is for.
const REPEATING = [
  'one two three four five six seven eight nine ten one two three four five six seven eight nine ten one two ' +
    'three four five six seven eight nine ten one two',
  'the cat sat on the mat and the dog sat on the log and the cat sat on the mat and the dog sat on the log ' +
    'and the cat sat on the',
  'red green blue red green blue red green blue red green blue red green blue red green',
  'a b c d a b c d a b c d a b c d a b c d a b',
];

// Small keys and drafts: the tiny model's texts are short.
const KINDS = [
  { kind: 'ngram-simple', args: ['--spec-ngram-simple-size-n', '2', '--spec-ngram-simple-size-m', '8'] },
  { kind: 'ngram-map-k', args: ['--spec-ngram-map-k-size-n', '2', '--spec-ngram-map-k-size-m', '8'] },
  { kind: 'ngram-map-k4v', args: ['--spec-ngram-map-k4v-size-n', '2', '--spec-ngram-map-k4v-size-m', '4'] },
  { kind: 'ngram-mod', args: ['--spec-ngram-mod-n-match', '3', '--spec-ngram-mod-n-min', '2', '--spec-ngram-mod-n-max', '16'] },
  { kind: 'ngram-cache', args: [] },
];

let CASES;  // [{ prompt, reference }]
let plain;
const want = new Map();

before(async () => {
  // (Over this many tokens the tiny model's output repeats itself too: the long prompts are the
  // fallback where a repeating prompt has a near-tie.)
  CASES = promptsWithoutNearTies(referenceDecode, TINY_MODEL, [...REPEATING, ...LONG_PROMPTS], 2, N_PREDICT);
  plain = await startCria(['-np', '1', ...THREADS]);
  for (const { prompt } of CASES) want.set(prompt, await complete(plain, greedy(prompt, N_PREDICT, { cache_prompt: false })));
});
after(async () => { await plain?.stop(); });

for (const { kind, args } of KINDS) {
  describe(`--spec-type ${kind}`, () => {
    let cria;
    before(async () => {
      cria = await startCria(['-np', '1', ...THREADS, '--spec-type', kind, '--spec-draft-sampling', 'probabilistic', ...args]);
    });
    after(async () => { await cria?.stop(); });

    test('greedy output is plain decoding\'s, and drafts were accepted', async () => {
      const responses = [];
      for (const { prompt, reference } of CASES) {
        const r = await complete(cria, greedy(prompt, N_PREDICT, { cache_prompt: false }));
        assert.deepEqual(r.tokens, reference.tokens, `"${prompt.slice(0, 20)}" differs from reference-decode`);
        assert.equal(r.content, want.get(prompt).content);
        assert.ok((r.timings.draft_n_accepted ?? 0) <= (r.timings.draft_n ?? 0));
        responses.push(r);
      }
      assert.ok(drafted(responses) > 0, `${kind} drafted nothing`);
      assert.ok(accepted(responses) > 0, `${kind}: no draft token was accepted`);
    });

    test('sampling at temperature 0.9 (with --spec-draft-sampling probabilistic) completes well-formed', async () => {
      const r = await complete(cria, { prompt: CASES[0].prompt, n_predict: 32, temperature: 0.9, seed: 5,
        cache_prompt: false });
      assert.equal(r.tokens_predicted, 32);
      assert.equal(typeof r.content, 'string');
      assert.ok((r.timings.draft_n_accepted ?? 0) <= (r.timings.draft_n ?? 0));
    });
  });
}

describe('--spec-draft-sampling probabilistic with a draft model', () => {
  // The draft model samples its draft and the main model verifies by rejection sampling: the
  // output keeps the main model's distribution (unit test: rejection_sampling_test), not the
  // exact tokens for a seed. Greedy requests still draft greedily and give plain decoding's tokens.
  let cria;
  before(async () => {
    cria = await startCria(['-np', '1', ...THREADS, '-md', TINY_MODEL, '--spec-draft-sampling', 'probabilistic']);
  });
  after(async () => { await cria?.stop(); });

  test('greedy output is still plain decoding\'s', async () => {
    const r = await complete(cria, greedy(CASES[0].prompt, N_PREDICT, { cache_prompt: false }));
    assert.deepEqual(r.tokens, CASES[0].reference.tokens);
    assert.ok(r.timings.draft_n_accepted > 0);
  });

  test('sampling at temperature 0.9 completes well-formed, and sampled drafts are accepted', async () => {
    const responses = [];
    for (const seed of [1, 2]) {
      const r = await complete(cria, { prompt: CASES[1].prompt, n_predict: 48, temperature: 0.9, seed, n_probs: 2,
        cache_prompt: false, 'speculative.p_min': 0 });
      assert.equal(r.tokens_predicted, 48);
      assert.equal(r.completion_probabilities.length, 48);
      assert.ok(r.timings.draft_n_accepted <= r.timings.draft_n);
      responses.push(r);
    }
    // The draft model has the main model's weights: most sampled drafts agree with it.
    assert.ok(accepted(responses) > 0, JSON.stringify(responses.map((r) => r.timings)));
  });
});

describe('synthetic acceptance (--spec-synth-rates, benchmarking only)', () => {
  // Drafts of at most 4 tokens; every rate 1: every draft token is accepted; every rate 0: none. (The output is then not the model's: only the counts are checked.)
  for (const [rates, all] of [['1,1,1,1', true], ['0,0,0,0', false]]) {
    test(`rates ${rates}: ${all ? 'every' : 'no'} draft token is accepted`, async () => {
      const cria = await startCria(['-np', '1', ...THREADS, '--spec-type', 'ngram-simple', '--spec-ngram-simple-size-n',
        '2', '--draft-max', '4', '--spec-synth-rates', rates]);
      try {
        assert.match(cria.log(), /notice: --spec-synth-rates: .*not valid/);
        const r = await complete(cria, greedy(CASES[0].prompt, N_PREDICT, { cache_prompt: false }));
        assert.equal(r.tokens_predicted, N_PREDICT);
        assert.ok(r.timings.draft_n > 0);
        if (all) {
          // All but the tail of the last draft, which n_predict may end before it is verified.
          assert.ok(r.timings.draft_n - r.timings.draft_n_accepted < 4, JSON.stringify(r.timings));
        } else {
          assert.equal(r.timings.draft_n_accepted, 0);
        }
      } finally {
        await cria.stop();
      }
    });
  }
});

describe('lookup caches (-lcd, -lcs)', () => {
  const { dir, cleanup } = makeTempDir('cria-lookup-');
  const file = path.join(dir, 'dynamic.bin');
  after(cleanup);

  test('-lcd writes the statistics when the server stops; -lcs loads them at the next start', async () => {
    const writer = await startCria(['-np', '1', ...THREADS, '--spec-type', 'ngram-cache', '-lcd', file]);
    await complete(writer, greedy(CASES[0].prompt, N_PREDICT, { cache_prompt: false }));
    await writer.stop();
    const size = fs.statSync(file).size;
    assert.ok(size > 0 && size % 4 === 0, `${size} bytes`);

    // The static cache alone drafts the same text again: no context statistics are needed for it.
    const reader = await startCria(['-np', '1', ...THREADS, '--spec-type', 'ngram-cache', '-lcs', file]);
    try {
      const r = await complete(reader, greedy(CASES[0].prompt, N_PREDICT, { cache_prompt: false }));
      assert.deepEqual(r.tokens, CASES[0].reference.tokens);
      assert.ok(r.timings.draft_n_accepted > 0, 'nothing drafted from the static cache was accepted');
    } finally {
      await reader.stop();
    }
  });

  test('llama-server loads the file cria wrote', async (t) => {
    if (!llamaServerPath()) return t.skip('llama-server is not installed');
    if (!fs.existsSync(file)) return t.skip('the previous test wrote no file');
    // llama-server aborts at start-up when it cannot read its static cache.
    const oracle = await startLlamaServer(TINY_MODEL, ['-t', '1', '--spec-type', 'ngram-cache', '-lcs', file]);
    try {
      const r = await complete(oracle, greedy(CASES[0].prompt, N_PREDICT, { cache_prompt: false }));
      assert.equal(r.content, want.get(CASES[0].prompt).content);
    } finally {
      await oracle.stop();
    }
  });

  test('a bad cache file is a start-up error naming the option', async () => {
    const bad = path.join(dir, 'bad.bin');
    fs.writeFileSync(bad, Buffer.alloc(30));  // not a whole record
    for (const option of ['--lookup-cache-static', '--lookup-cache-dynamic']) {
      const port = String(await freePort());
      const r = await runCria(['-m', TINY_MODEL, '--host', '127.0.0.1', '--port', port, '--spec-type', 'ngram-cache', option, bad],
        { timeoutMs: 20000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, new RegExp(`${option}: .*is not a lookup cache`));
    }
  });
});
