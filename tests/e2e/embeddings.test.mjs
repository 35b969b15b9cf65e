// --embedding: /embedding (the seed's shape) and /v1/embeddings (OpenAI's, via the official client).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import OpenAI from 'openai';
import { startCria, assertErrorShape, MODELS } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

const EMBEDDING_MODEL = path.join(MODELS, 'tiny-embedding.gguf');
const norm = (v) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

describe('an embedding server (mean pooling from the model)', () => {
  let cria;
  let client;
  before(async () => {
    cria = await startCria(['-np', '2', '--embedding', ...THREADS], { model: EMBEDDING_MODEL });
    client = new OpenAI({ baseURL: `${cria.base}/v1`, apiKey: 'x', maxRetries: 0, timeout: 30000 });
  });
  after(async () => { await cria?.stop(); });

  test('/embedding gives one L2-normalized vector of n_embd numbers', async () => {
    const res = await cria.post('/embedding', { content: 'The quick brown fox' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.embedding.length, 32);
    assert.ok(Math.abs(norm(res.body.embedding) - 1) < 1e-5);
    const other = await cria.post('/embedding', { content: 'look at the water' });
    assert.notDeepEqual(other.body.embedding, res.body.embedding);
  });

  test('the same text gives the same vector alone, in a list and beside concurrent requests', async () => {
    const alone = (await cria.post('/embedding', { content: 'people know what they like' })).body.embedding;
    const list = await cria.post('/v1/embeddings', { input: ['hello there', 'people know what they like', 'my time is up'] });
    assert.deepEqual(list.body.data[1].embedding, alone);
    const concurrent = await Promise.all([
      cria.post('/v1/embeddings', { input: 'look at the water' }),
      cria.post('/embedding', { content: 'people know what they like' }),
      cria.post('/v1/embeddings', { input: ['a', 'b', 'c', 'd'] }),
    ]);
    assert.deepEqual(concurrent[1].body.embedding, alone);
  });

  test('the openai client: float and base64 give the same numbers; usage and indices', async () => {
    const input = ['The quick brown fox', 'over the lazy dog'];
    const floats = await client.embeddings.create({ model: 'x', input, encoding_format: 'float' });
    assert.equal(floats.object, 'list');
    assert.deepEqual(floats.data.map((d) => d.index), [0, 1]);
    assert.ok(floats.usage.prompt_tokens > 0);
    // Without encoding_format the client asks for base64 and decodes it itself.
    const decoded = await client.embeddings.create({ model: 'x', input });
    for (let i = 0; i < 2; i++) {
      assert.equal(decoded.data[i].embedding.length, 32);
      decoded.data[i].embedding.forEach((x, k) => assert.equal(Math.fround(x), Math.fround(floats.data[i].embedding[k])));
    }
    const raw = await cria.post('/v1/embeddings', { input: 'The quick brown fox', encoding_format: 'base64' });
    const bytes = Buffer.from(raw.body.data[0].embedding, 'base64');
    const values = Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4));
    values.forEach((x, k) => assert.equal(x, Math.fround(floats.data[0].embedding[k])));
  });

  test('more /v1/embeddings inputs than the budget (1024) are refused naming input; the next request is served', async () => {
    const res = await cria.post('/v1/embeddings', { input: Array.from({ length: 1025 }, (_, i) => `text ${i}`) });
    assertErrorShape(assert, res, 400, 'input');
    assert.match(res.body.error.message, /--max-embedding-inputs/);
    const next = await cria.post('/v1/embeddings', { input: ['a', 'b'] });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.body.data.length, 2);
  });

  test('token ids work as input, and equal the same text', async () => {
    const { tokens } = (await cria.post('/tokenize', { content: 'hello world', add_special: true })).body;
    const byIds = await cria.post('/v1/embeddings', { input: tokens });
    const byText = await cria.post('/v1/embeddings', { input: 'hello world' });
    assert.deepEqual(byIds.body.data[0].embedding, byText.body.data[0].embedding);
  });

  test('bad input is a 400 naming the field; text generation is a 501 in embedding mode', async () => {
    assertErrorShape(assert, await cria.post('/v1/embeddings', {}), 400, 'input');
    assertErrorShape(assert, await cria.post('/v1/embeddings', { input: 5 }), 400, 'input');
    assertErrorShape(assert, await cria.post('/v1/embeddings', { input: 'x', encoding_format: 'hex' }), 400, 'encoding_format');
    assertErrorShape(assert, await cria.post('/v1/embeddings', { input: [99999999] }), 400, 'input');
    assertErrorShape(assert, await cria.post('/v1/embeddings', { input: ' word'.repeat(600) }), 400, 'input');
    assertErrorShape(assert, await cria.post('/embedding', {}), 400, 'content');
    const completion = await cria.post('/completion', { prompt: 'x' });
    assertErrorShape(assert, completion, 501);
    assert.equal(completion.body.error.type, 'not_supported_error');
    assert.equal((await cria.post('/embedding', { content: 'still serving' })).status, 200);
  });
});

describe('a /v1/embeddings request refused at one input', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '1', '--embedding', '--metrics', ...THREADS], { model: EMBEDDING_MODEL }); });
  after(async () => { await cria?.stop(); });

  const gauges = async () => {
    const text = await (await fetch(cria.url('/metrics'))).text();
    const value = (name) => Number(text.match(new RegExp(`^llamacpp:${name} (\\S+)$`, 'm'))[1]);
    return { processing: value('requests_processing'), deferred: value('requests_deferred') };
  };

  test('runs none of its inputs: the ones before the bad one are never queued', async () => {
    // Many long valid inputs, then a token id outside the vocabulary: every input is checked
    // before the first is submitted, so the engine has nothing to do once the 400 is back.
    const input = [...Array.from({ length: 40 }, (_, i) => `${i}${' word'.repeat(450)}`), [99999999]];
    assertErrorShape(assert, await cria.post('/v1/embeddings', { input }), 400, 'input');
    for (let i = 0; i < 5; i++) assert.deepEqual(await gauges(), { processing: 0, deferred: 0 });
    const ok = await cria.post('/v1/embeddings', { input: ['still', 'serving'] });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
  });
});

describe('--pooling none', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '1', '--embedding', '--pooling', 'none', ...THREADS], { model: EMBEDDING_MODEL }); });
  after(async () => { await cria?.stop(); });

  test('gives one normalized vector per token', async () => {
    const { tokens } = (await cria.post('/tokenize', { content: 'The quick brown fox', add_special: true })).body;
    const res = await cria.post('/embedding', { content: 'The quick brown fox' });
    assert.equal(res.body.embedding.length, tokens.length);
    for (const v of res.body.embedding) assert.ok(Math.abs(norm(v) - 1) < 1e-5);
  });
});

test('without --embedding the embedding routes are a 501 not_supported_error', async () => {
  const cria = await startCria(['-np', '1', ...THREADS]);
  try {
    for (const route of ['/embedding', '/v1/embeddings']) {
      const res = await cria.post(route, { content: 'x', input: 'x' });
      assertErrorShape(assert, res, 501);
      assert.equal(res.body.error.type, 'not_supported_error');
    }
  } finally {
    await cria.stop();
  }
});
