// Issue #12, the engine's part: no request can end the engine thread, hold the queue's lock with
// its own work, size a buffer beyond the slot's context, keep what a stream already sent, or queue
// without bound. Each test asserts answers (status, error shape, output), never timings.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, referenceDecode, assertErrorShape, TINY_MODEL } from './lib/cria.mjs';
import {
  SHORT_PROMPTS, THREADS, greedy, complete, streamCompletion, promptsWithoutNearTies, settleAfterDisconnect,
} from './lib/generation-helpers.mjs';

const N = 32;

// A grammar that allows only "a", with a logit_bias that forbids every token: libllama's grammar
// sampler is left with no allowed token and throws ("Unexpected empty grammar stack"). (Banning the
// tokens that spell "a" is not enough: a byte token spells it too.) llama-server answers this
// with a 500; cria with a 400, as the request itself makes generation impossible.
async function grammarDeadEnd(server) {
  const models = await server.get('/v1/models');
  const nVocab = models.body.data[0].meta.n_vocab;
  assert.ok(nVocab > 0);
  const everyToken = Array.from({ length: nVocab }, (_, id) => [id, false]);
  return { prompt: 'x', n_predict: 8, grammar: 'root ::= "a"', logit_bias: everyToken };
}

// A stream that runs until `signal` aborts it, collecting its events; resolves `started` after 3.
function backgroundStream(server, body, signal) {
  const events = [];
  let streaming;
  const started = new Promise((resolve) => { streaming = resolve; });
  const done = server.stream('/completion', body, {
    signal,
    onEvent: (e) => { events.push(e); if (events.length >= 3) streaming(); },
  }).catch((e) => (e.name === 'AbortError' ? { aborted: true } : Promise.reject(e)));
  return { events, started: Promise.race([started, done]), done };
}

// Polls (bounded) until `count()` reaches `target`.
async function waitFor(count, target, what) {
  for (let i = 0; i < 2000 && count() < target; i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(count() >= target, `${what}: ${count()} < ${target}`);
}

describe('a request that throws on the engine thread fails alone', () => {
  let cria;
  let chosen;
  before(async () => {
    [chosen] = promptsWithoutNearTies(referenceDecode, TINY_MODEL, SHORT_PROMPTS, 1, N);
    cria = await startCria(['-np', '2', '-c', '1024', ...THREADS]);
  });
  after(async () => { await cria?.stop(); });

  test('a grammar dead end is an error answer (whole and stream); the request beside it and the next one complete',
    { timeout: 60000 }, async () => {
      const deadEnd = await grammarDeadEnd(cria);
      const controller = new AbortController();
      const background = backgroundStream(cria, greedy(chosen.prompt, 100000, { ignore_eos: true, cache_prompt: false }),
        controller.signal);
      await background.started;
      assert.ok(background.events.length >= 3, 'the background request did not start streaming');

      let whole;
      let stream;
      let afterFailure;
      try {
        whole = await cria.post('/completion', deadEnd);
        stream = await cria.stream('/completion', deadEnd);
        afterFailure = background.events.length;
        // The background request goes on generating after both failures.
        await waitFor(() => background.events.length, afterFailure + 8, 'the background request stopped');
      } finally {
        controller.abort();
      }
      assert.equal(cria.proc.exitCode, null, `cria exited:\n${cria.log().slice(-2000)}`);
      assertErrorShape(assert, whole, 400);
      assert.match(whole.body.error.message, /grammar/);

      assert.equal(stream.status, 200);
      const last = stream.events[stream.events.length - 1];
      assert.ok(last?.error, `the stream did not end with an error event: ${JSON.stringify(stream.events)}`);
      assert.equal(last.error.code, 400);

      const bg = await background.done;
      assert.ok(bg.aborted, 'the background request ended on its own');
      assert.ok(background.events.every((e) => !e.error), 'the background request got an error');
      const tokens = background.events.flatMap((e) => e.tokens ?? []);
      assert.ok(tokens.length >= N);
      assert.deepEqual(tokens.slice(0, N), chosen.reference.tokens, 'the background request\'s output changed');

      await settleAfterDisconnect(cria, 2);
      const next = await complete(cria, greedy(chosen.prompt, N, { cache_prompt: false }));
      assert.deepEqual(next.tokens, chosen.reference.tokens);
    });

  test('the same slot serves normally after its request failed', async () => {
    const deadEnd = await grammarDeadEnd(cria);
    for (let i = 0; i < 3; i++) assertErrorShape(assert, await cria.post('/completion', { ...deadEnd, id_slot: 0 }), 400);
    const next = await complete(cria, greedy(chosen.prompt, N, { id_slot: 0 }));
    assert.deepEqual(next.tokens, chosen.reference.tokens);
  });
});

describe('look-back windows and probabilities are bounded by the slot context', () => {
  const SLOT_CTX = 128;
  let cria;
  before(async () => { cria = await startCria(['-np', '1', '-c', String(SLOT_CTX), ...THREADS]); });
  after(async () => { await cria?.stop(); });

  const base = greedy('The quick brown fox jumps over the lazy dog and the dog', 24, { ignore_eos: true });

  test('dry_penalty_last_n beyond the context works as the context', async () => {
    const dry = { dry_multiplier: 0.8, dry_allowed_length: 1 };
    const huge = await complete(cria, { ...base, ...dry, dry_penalty_last_n: 2147483647 });
    const ctx = await complete(cria, { ...base, ...dry, dry_penalty_last_n: SLOT_CTX });
    assert.deepEqual(huge.tokens, ctx.tokens);
    assert.equal(huge.content, ctx.content);
  });

  test('repeat_last_n beyond the context (penalize_nl off) works as the context', async () => {
    const pen = { repeat_penalty: 1.1, penalize_nl: false };
    const huge = await complete(cria, { ...base, ...pen, repeat_last_n: 2147483647 });
    const ctx = await complete(cria, { ...base, ...pen, repeat_last_n: SLOT_CTX });
    assert.deepEqual(huge.tokens, ctx.tokens);
    assert.equal(huge.content, ctx.content);
  });

  test('a whole response keeps the probabilities of its first n_ctx_slot tokens; a stream sends each once', async () => {
    const body = greedy('Once upon a time', SLOT_CTX + 40, { ignore_eos: true, n_probs: 2 });
    const whole = await complete(cria, body);
    assert.equal(whole.tokens_predicted, SLOT_CTX + 40);
    assert.equal(whole.completion_probabilities.length, SLOT_CTX);
    const streamed = await streamCompletion(cria, body);
    assert.equal(streamed.chunks.length, SLOT_CTX + 40);
    for (const chunk of streamed.chunks) assert.equal(chunk.completion_probabilities.length, 1);
    assert.equal(streamed.final.completion_probabilities, undefined);
  });
});

describe('the task queue is bounded', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '1', '-c', '512', '--max-queued-requests', '2', '--metrics', ...THREADS]); });
  after(async () => { await cria?.stop(); });

  async function metric(name) {
    const res = await cria.get('/metrics');
    assert.equal(res.status, 200);
    const line = res.body.split('\n').find((l) => l.startsWith(`llamacpp:${name} `));
    assert.ok(line, `no ${name} in /metrics`);
    return Number(line.split(' ')[1]);
  }

  test('a full queue answers 503 with Retry-After, counted in /metrics; the queued requests complete',
    { timeout: 60000 }, async () => {
      assert.equal(await metric('requests_rejected_total'), 0);
      const controller = new AbortController();
      // The one slot is busy with this until it is aborted, so every request below waits or is refused.
      const background = backgroundStream(cria, greedy('Once upon a time', 100000, { ignore_eos: true }), controller.signal);
      await background.started;
      const bodies = [0, 1, 2, 3, 4].map((i) => greedy(`request number ${i}`, 8));
      const answers = [];
      const pending = bodies.map((b) => cria.post('/completion', b).then((r) => { answers.push(r); return r; }));
      let results;
      try {
        // Two wait in the queue; the other three are refused at once.
        await waitFor(() => answers.length, 3, 'the refused requests were not answered');
      } finally {
        controller.abort();
      }
      results = await Promise.all(pending);
      await background.done;
      const refused = results.filter((r) => r.status === 503);
      const served = results.filter((r) => r.status === 200);
      assert.equal(refused.length, 3, `statuses: ${results.map((r) => r.status)}`);
      assert.equal(served.length, 2);
      for (const r of refused) {
        assertErrorShape(assert, r, 503);
        assert.equal(r.headers.get('retry-after'), '1');
      }
      for (const r of served) assert.equal(r.body.tokens_predicted, 8);
      assert.equal(await metric('requests_rejected_total'), 3);

      // /v1/completions queues a request's prompts all or none: more than the queue holds is a 400.
      const tooMany = await cria.post('/v1/completions', { prompt: ['a', 'b', 'c'], max_tokens: 1 });
      assertErrorShape(assert, tooMany, 400);
      await settleAfterDisconnect(cria, 1);
    });
});
