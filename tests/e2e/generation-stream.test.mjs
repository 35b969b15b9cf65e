// Streaming (server-sent events) and stop strings: the stream carries exactly the text of the
// non-streamed response, one event per generated token and a last event with the final report;
// a stop string ends generation where it first occurs, is never part of the output (whole or
// streamed, even in part), and a stop string that never occurs changes nothing.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria } from './lib/cria.mjs';
import { THREADS, greedy, complete, streamCompletion, tokenBoundaries } from './lib/generation-helpers.mjs';

const PROMPT = 'Once upon a time there was a little girl who lived in a village';
const N_PREDICT = 40;

let cria;
before(async () => { cria = await startCria(['-np', '2', ...THREADS]); });
after(async () => { await cria?.stop(); });

// Every event but the last carries one token; the running concatenation of contents never goes
// beyond (and always is a prefix of) the final text.
function assertStreamShape(stream, expectedContent) {
  let sofar = '';
  stream.chunks.forEach((event, i) => {
    assert.equal(event.stop, false, `event ${i} before the last has stop: ${event.stop}`);
    assert.equal(typeof event.content, 'string');
    assert.ok(Array.isArray(event.tokens) && event.tokens.length === 1, `event ${i} should carry one token: ${JSON.stringify(event)}`);
    sofar += event.content;
    assert.ok(expectedContent.startsWith(sofar),
      `after event ${i} the stream holds ${JSON.stringify(sofar)}, not a prefix of ${JSON.stringify(expectedContent)}`);
  });
  assert.equal(stream.final.stop, true, 'the last event must have stop: true');
  assert.equal(stream.content, expectedContent, 'concatenated stream content differs from the non-streamed content');
}

describe('streaming', () => {
  let plain;
  let offsets;
  before(async () => {
    plain = await complete(cria, greedy(PROMPT, N_PREDICT));
    assert.ok(plain.tokens.length >= 8, `need some output to test with: ${JSON.stringify(plain)}`);
    offsets = await tokenBoundaries(cria, plain.tokens, plain.content);
  });

  test('the stream has one event per token and the same text as the non-streamed response', async () => {
    const stream = await streamCompletion(cria, greedy(PROMPT, N_PREDICT));
    assertStreamShape(stream, plain.content);
    assert.equal(stream.chunks.length, plain.tokens.length, 'one event per generated token before the last');
    assert.deepEqual(stream.tokens, plain.tokens, 'the events\' tokens are the generated tokens in order');
    // Without stop strings nothing needs holding back: each event carries its own token's text
    // (the tiny model's pieces are ASCII, so no UTF-8 sequence is split).
    if (/^[\x20-\x7e]*$/.test(plain.content)) {
      stream.chunks.forEach((event, k) => {
        assert.equal(event.content, plain.content.slice(offsets[k], offsets[k + 1]), `event ${k} should carry token ${k}'s text`);
      });
    }
  });

  test('the last event reports like the non-streamed response', async () => {
    const { final } = await streamCompletion(cria, greedy(PROMPT, N_PREDICT));
    assert.equal(final.stop, true);
    assert.equal(final.tokens_predicted, plain.tokens.length);
    assert.equal(final.tokens_evaluated, plain.tokens_evaluated);
    assert.equal(final.stopped_limit, plain.stopped_limit);
    assert.equal(final.stopped_eos, plain.stopped_eos);
    assert.equal(final.stopped_word, false);
    assert.equal(final.stopping_word, '');
    assert.equal(final.truncated, false);
    assert.equal(typeof final.model, 'string');
    assert.equal(typeof final.generation_settings, 'object');
    for (const field of ['prompt_n', 'prompt_ms', 'predicted_n', 'predicted_ms', 'predicted_per_second']) {
      assert.equal(typeof final.timings?.[field], 'number', `timings.${field} missing: ${JSON.stringify(final.timings)}`);
    }
    assert.equal(final.timings.predicted_n, plain.tokens.length);
    if (plain.tokens.length === N_PREDICT) assert.equal(final.stopped_limit, true);
  });

  test('streams of two requests running at once each carry their own text', async () => {
    const other = await complete(cria, greedy('The quick brown fox', 24));
    const [a, b] = await Promise.all([
      streamCompletion(cria, greedy(PROMPT, N_PREDICT)),
      streamCompletion(cria, greedy('The quick brown fox', 24)),
    ]);
    assertStreamShape(a, plain.content);
    assertStreamShape(b, other.content);
  });
});

describe('stop strings', () => {
  let plain;
  let offsets;
  let stop;      // a stop string spanning the boundary between tokens k and k+1
  let k;
  let at;        // where it first occurs in plain.content
  before(async () => {
    plain = await complete(cria, greedy(PROMPT, N_PREDICT));
    offsets = await tokenBoundaries(cria, plain.tokens, plain.content);
    const n = plain.tokens.length;
    // From the middle on: the last 2 characters of token k and the first 2 of token k+1, at
    // their first occurrence in the output.
    for (let j = Math.floor(n / 3); j < n - 1 && stop === undefined; j++) {
      const boundary = offsets[j + 1];
      if (offsets[j + 1] - offsets[j] < 2 || offsets[j + 2] - offsets[j + 1] < 2) continue;
      const candidate = plain.content.slice(boundary - 2, boundary + 2);
      if (plain.content.indexOf(candidate) !== boundary - 2) continue;
      stop = candidate;
      k = j;
      at = boundary - 2;
    }
    assert.ok(stop !== undefined, `no usable token boundary in ${JSON.stringify(plain.content)}`);
  });

  test('a stop string across a token boundary ends the output just before it', async () => {
    const res = await complete(cria, greedy(PROMPT, N_PREDICT, { stop: [stop] }));
    assert.equal(res.content, plain.content.slice(0, at), `stop ${JSON.stringify(stop)}`);
    assert.equal(res.stopped_word, true);
    assert.equal(res.stopped_limit, false);
    assert.equal(res.stopped_eos, false);
    assert.equal(res.stopping_word, stop);
    // Generation ends with the token that completes the stop string.
    assert.deepEqual(res.tokens, plain.tokens.slice(0, k + 2));
    assert.equal(res.tokens_predicted, k + 2);
  });

  test('streamed, the stop string and its beginning are never sent', async () => {
    const stream = await streamCompletion(cria, greedy(PROMPT, N_PREDICT, { stop: [stop] }));
    const expected = plain.content.slice(0, at);
    assertStreamShape(stream, expected);
    for (const event of stream.events) {
      assert.ok(!event.content.includes(stop), `an event carries the stop string: ${JSON.stringify(event.content)}`);
    }
    assert.ok(!stream.content.includes(stop));
    assert.equal(stream.chunks.length, k + 2, 'one event per generated token, the stopping one included');
    assert.equal(stream.final.stopped_word, true);
    assert.equal(stream.final.stopping_word, stop);
  });

  test('with several stop strings the earliest occurrence wins', async () => {
    // A string that occurs only later in the output, and one that never occurs.
    const later = plain.content.slice(offsets[k + 2], offsets[k + 2] + 3);
    const candidates = [['ZqZq', stop]];
    if (later.length === 3 && plain.content.indexOf(later) > at) candidates.push([later, 'ZqZq', stop]);
    for (const stops of candidates) {
      const res = await complete(cria, greedy(PROMPT, N_PREDICT, { stop: stops }));
      assert.equal(res.content, plain.content.slice(0, at), `stops ${JSON.stringify(stops)}`);
      assert.equal(res.stopping_word, stop);
      const stream = await streamCompletion(cria, greedy(PROMPT, N_PREDICT, { stop: stops }));
      assertStreamShape(stream, plain.content.slice(0, at));
      assert.equal(stream.final.stopping_word, stop);
    }
  });

  test('a stop string that never occurs changes nothing', async () => {
    const never = 'ZqZqZ';
    assert.ok(!plain.content.includes(never));
    const res = await complete(cria, greedy(PROMPT, N_PREDICT, { stop: [never] }));
    assert.equal(res.content, plain.content);
    assert.deepEqual(res.tokens, plain.tokens);
    assert.equal(res.stopped_word, false);
    assert.equal(res.stopping_word, '');
    assert.equal(res.stopped_limit, plain.stopped_limit);
    const stream = await streamCompletion(cria, greedy(PROMPT, N_PREDICT, { stop: [never] }));
    assertStreamShape(stream, plain.content);
  });

  test('text held back as a possible stop string is sent once it turns out not to be one', async () => {
    // The output contains this string's beginning (the real stop string), never all of it.
    const partial = `${stop}\u0001`;
    const res = await complete(cria, greedy(PROMPT, N_PREDICT, { stop: [partial] }));
    assert.equal(res.content, plain.content);
    assert.equal(res.stopped_word, false);
    const stream = await streamCompletion(cria, greedy(PROMPT, N_PREDICT, { stop: [partial] }));
    assertStreamShape(stream, plain.content);
    assert.equal(stream.chunks.length, plain.tokens.length);
  });
});
