// LoRA adapters: --lora / --lora-scaled / --lora-base, GET and POST /lora-adapters, a request's
// `lora` field. The adapter (models/tiny-lora.gguf, from make-model --lora) touches the attention
// projections and the output matrix of tiny.gguf, so it changes both the KV cache and the greedy
// output. Scale 0 must give exactly the base model's output; requests under different scales,
// running together, must each get what they get alone (libllama applies adapters to the whole
// context, so cria batches only equal scales together and never reuses KV cells across scales).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startCria, runCria, freePort, assertErrorShape, MODELS, TINY_MODEL } from './lib/cria.mjs';
import { THREADS, greedy, complete, staggeredStreams, settleAfterDisconnect, startBackgroundStream } from './lib/generation-helpers.mjs';

const LORA = path.join(MODELS, 'tiny-lora.gguf');
const PROMPT = 'Once upon a time there was a king who lived in a castle';
// Long enough (> 32 tokens) for prefix sharing between slots to kick in, were it allowed.
const LONG_PROMPT = 'The quick brown fox jumps over the lazy dog. '.repeat(6) + 'Then the dog said';
const N = 24;
const scaled = (scale) => [{ id: 0, scale }];

describe('LoRA adapters', () => {
  let base;   // no adapter
  let server; // --lora tiny-lora.gguf (scale 1), four slots
  const baseOut = {};
  before(async () => {
    base = await startCria([...THREADS]);
    server = await startCria([...THREADS, '-np', '4', '--lora', LORA]);
    for (const p of [PROMPT, LONG_PROMPT]) baseOut[p] = (await complete(base, greedy(p, N))).content;
  });
  after(async () => {
    await base?.stop();
    await server?.stop();
  });

  test('GET /lora-adapters lists the adapter, its path and its scale', async () => {
    const res = await server.get('/lora-adapters');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, [{ id: 0, path: LORA, scale: 1 }]);
    const none = await base.get('/lora-adapters');
    assert.equal(none.status, 200);
    assert.deepEqual(none.body, []);
  });

  test('scale 0 gives exactly the base model\'s output; scale 1 changes it', async () => {
    const zero = await complete(server, greedy(PROMPT, N, { lora: scaled(0), cache_prompt: false }));
    assert.equal(zero.content, baseOut[PROMPT]);
    const one = await complete(server, greedy(PROMPT, N, { lora: scaled(1), cache_prompt: false }));
    assert.notEqual(one.content, baseOut[PROMPT], 'the adapter at scale 1 did not change greedy output');
    const half = await complete(server, greedy(PROMPT, N, { lora: scaled(0.5), cache_prompt: false }));
    assert.notEqual(half.content, one.content);
    // No `lora` field: the server's scales (1 here).
    const byDefault = await complete(server, greedy(PROMPT, N, { cache_prompt: false }));
    assert.equal(byDefault.content, one.content);
    assert.deepEqual(byDefault.generation_settings.lora, scaled(1));
    assert.deepEqual(zero.generation_settings.lora, scaled(0));
  });

  test('POST /lora-adapters sets the server-wide scales; unlisted adapters get 0', async () => {
    const withAdapter = (await complete(server, greedy(PROMPT, N, { lora: scaled(1) }))).content;
    try {
      let res = await server.post('/lora-adapters', [{ id: 0, scale: 0 }]);
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { success: true });
      assert.deepEqual((await server.get('/lora-adapters')).body, [{ id: 0, path: LORA, scale: 0 }]);
      assert.deepEqual((await server.get('/props')).body.default_generation_settings.lora, scaled(0));
      assert.equal((await complete(server, greedy(PROMPT, N))).content, baseOut[PROMPT]);
      // A request's own scales win over the server's.
      assert.equal((await complete(server, greedy(PROMPT, N, { lora: scaled(1) }))).content, withAdapter);

      res = await server.post('/lora-adapters', [{ id: 0, scale: 1 }]);
      assert.equal(res.status, 200);
      assert.equal((await complete(server, greedy(PROMPT, N))).content, withAdapter);
      // A request's list works the same way: an adapter it leaves out gets 0.
      assert.equal((await complete(server, greedy(PROMPT, N, { lora: [] }))).content, baseOut[PROMPT]);

      res = await server.post('/lora-adapters', []);
      assert.equal(res.status, 200);
      assert.deepEqual((await server.get('/lora-adapters')).body, [{ id: 0, path: LORA, scale: 0 }]);
    } finally {
      await server.post('/lora-adapters', [{ id: 0, scale: 1 }]);
    }
  });

  test('a slot\'s cached prompt is not reused under other scales', async () => {
    const slot = { id_slot: 0 };
    const first = await complete(server, greedy(LONG_PROMPT, N, { ...slot, lora: scaled(1) }));
    const other = await complete(server, greedy(LONG_PROMPT, N, { ...slot, lora: scaled(0) }));
    assert.equal(other.timings.cache_n, 0, 'KV cells computed with the adapter were reused without it');
    assert.equal(other.content, baseOut[LONG_PROMPT]);
    const again = await complete(server, greedy(LONG_PROMPT, N, { ...slot, lora: scaled(0) }));
    assert.ok(again.timings.cache_n > 0, 'the cache was not reused under the same scales');
    assert.equal(again.content, other.content);
    assert.notEqual(first.content, other.content);
  });

  test('requests with different scales running together each get their solo output', { timeout: 60000 }, async () => {
    const scales = [0, 1, 0.5];
    // The same long prompt for all, in no slot's cache yet: a slot starting while another holds
    // it would take that slot's cells (prefix sharing), were they not computed under other scales.
    const prompt = 'A long time ago, in a village near the forest, ' + LONG_PROMPT;
    const bodies = scales.map((s) => greedy(prompt, 48, { lora: scaled(s), stream: true, ignore_eos: true }));
    // Solo outputs from another server, so that this one's slots do not hold the prompt yet.
    const soloServer = await startCria([...THREADS, '--lora', LORA]);
    const solo = [];
    try {
      for (const b of bodies) solo.push((await complete(soloServer, { ...b, stream: false })).content);
    } finally {
      await soloServer.stop();
    }
    assert.equal(new Set(solo).size, scales.length, 'the scales should give different outputs');
    assert.equal(solo[0], (await complete(base, greedy(prompt, 48, { ignore_eos: true }))).content);

    // A request under yet other scales generates all along, so the others run beside it, each
    // started once the one before has streamed a few tokens.
    const controller = new AbortController();
    const background = await startBackgroundStream(
      server, greedy(PROMPT, 100000, { lora: scaled(2), ignore_eos: true }), controller.signal);
    const eventsBefore = background.events();
    let together;
    try {
      together = await staggeredStreams(server, bodies, 3);
    } finally {
      controller.abort();
    }
    const eventsDuring = background.events() - eventsBefore;
    assert.ok((await background.done).aborted, 'the background request ended on its own');
    for (let i = 0; i < scales.length; i++) {
      assert.equal(together[i].content, solo[i], `scale ${scales[i]} gave another output beside other scales`);
    }
    // The groups took turns: the background one kept generating while the others ran.
    assert.ok(eventsDuring > 0, 'the background request made no progress while the others ran');
    await settleAfterDisconnect(server, 4);
  });

  test('a bad lora field or POST body is a 400 naming it; nothing changes', async () => {
    for (const lora of [[{ id: 1, scale: 1 }], 'x', [{ id: 0 }], [{ id: 0, scale: 'big' }], [{ id: -1, scale: 1 }],
      [{ id: 0, scale: 1 }, { id: 0, scale: 2 }]]) {
      const res = await server.post('/completion', greedy(PROMPT, 4, { lora }));
      assertErrorShape(assert, res, 400, 'lora');
    }
    const chat = await server.post('/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], lora: [{ id: 7, scale: 1 }] });
    assertErrorShape(assert, chat, 400, 'lora');
    for (const [body, param] of [[{ id: 0, scale: 1 }, undefined], [[{ id: 3, scale: 1 }], 'id'], [[{ id: 0, scale: null }], 'scale'],
      ['not json', undefined]]) {
      const res = await server.post('/lora-adapters', body);
      assertErrorShape(assert, res, 400, param);
    }
    assert.deepEqual((await server.get('/lora-adapters')).body, [{ id: 0, path: LORA, scale: 1 }]);
  });
});

describe('LoRA command-line options', () => {
  test('--lora-scaled FNAME SCALE and FNAME:SCALE set the starting scale; --lora-base is accepted', async () => {
    const base = await startCria([...THREADS]);
    const zero = await startCria([...THREADS, '--lora-scaled', LORA, '0', '--lora-base', TINY_MODEL]);
    const half = await startCria([...THREADS, '--lora-scaled', `${LORA}:0.5`, '--lora', LORA]);
    try {
      assert.deepEqual((await zero.get('/lora-adapters')).body, [{ id: 0, path: LORA, scale: 0 }]);
      assert.equal((await complete(zero, greedy(PROMPT, N))).content, (await complete(base, greedy(PROMPT, N))).content);
      assert.match(zero.log(), /--lora-base .* is ignored/);
      assert.deepEqual((await half.get('/lora-adapters')).body,
        [{ id: 0, path: LORA, scale: 0.5 }, { id: 1, path: LORA, scale: 1 }]);
      // The same adapter twice at 0.5 + 0 equals it once at 0.5.
      const a = await complete(half, greedy(PROMPT, N, { lora: [{ id: 0, scale: 0.5 }] }));
      const b = await complete(half, greedy(PROMPT, N, { lora: [{ id: 1, scale: 0.5 }] }));
      assert.equal(a.content, b.content);
    } finally {
      await base.stop();
      await zero.stop();
      await half.stop();
    }
  });

  test('an adapter that cannot be loaded stops start-up with a message naming it', async () => {
    const port = String(await freePort());
    for (const bad of [path.join(MODELS, 'no-such-adapter.gguf'), TINY_MODEL]) {
      const res = await runCria(['-m', TINY_MODEL, '--port', port, '--lora', bad], { timeoutMs: 20000 });
      assert.equal(res.code, 1, `exit code ${res.code}\n${res.stderr}`);
      assert.ok(res.stderr.includes(`failed to load the LoRA adapter '${bad}'`), res.stderr);
    }
  });
});
