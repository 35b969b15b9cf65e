// --rerank: POST /rerank (and its three other paths) on a generated reranking model
// (models/tiny-rerank.gguf: qwen3 architecture, rank pooling, a two-label classification head),
// checked against llama-server on the same model when it is installed.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startCria, assertErrorShape, MODELS } from './lib/cria.mjs';
import { llamaServerPath, startLlamaServer } from './lib/llama-server.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

const RERANK_MODEL = path.join(MODELS, 'tiny-rerank.gguf');
const query = 'What is the capital of France?';
const documents = ['Paris is the capital of France', 'The quick brown fox jumps over the lazy dog',
  'London is a city in England', 'I like green tea', 'the king and the queen live in a castle'];

describe('a reranking server (--rerank on tiny-rerank.gguf)', () => {
  let cria;
  before(async () => {
    assert.ok(fs.existsSync(RERANK_MODEL), `${RERANK_MODEL} is missing: run scripts/make-test-models`);
    cria = await startCria(['--rerank', '-np', '2', ...THREADS], { model: RERANK_MODEL });
  });
  after(async () => { await cria?.stop(); });

  test('results are every document, sorted by relevance_score, on all four paths', async () => {
    const res = await cria.post('/rerank', { query, documents });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.object, 'list');
    assert.equal(typeof res.body.model, 'string');
    assert.ok(res.body.usage.prompt_tokens > 0);
    assert.equal(res.body.usage.total_tokens, res.body.usage.prompt_tokens);
    const results = res.body.results;
    assert.deepEqual(results.map((r) => r.index).sort(), [0, 1, 2, 3, 4]);
    for (let i = 1; i < results.length; i++) assert.ok(results[i - 1].relevance_score >= results[i].relevance_score);
    // The classifier's softmax: the first label's probability; the documents do not all tie.
    assert.ok(results.every((r) => r.relevance_score > 0 && r.relevance_score < 1), JSON.stringify(results));
    assert.ok(results[0].relevance_score > results.at(-1).relevance_score);
    assert.equal(results[0].document, undefined);
    for (const p of ['/reranking', '/v1/rerank', '/v1/reranking']) {
      const again = await cria.post(p, { query, documents });
      assert.deepEqual(again.body.results, results, p);
    }
  });

  test('a document\'s score does not depend on the others, nor on concurrent requests', async () => {
    const all = (await cria.post('/rerank', { query, documents })).body.results;
    const alone = await Promise.all(documents.map((d) => cria.post('/v1/rerank', { query, documents: [d] })));
    alone.forEach((res, i) => {
      assert.equal(res.body.results[0].relevance_score, all.find((r) => r.index === i).relevance_score);
    });
  });

  test('top_n keeps the best; return_text repeats the documents; objects with text are documents', async () => {
    const full = (await cria.post('/rerank', { query, documents })).body.results;
    const top = await cria.post('/rerank', { query, documents, top_n: 2, return_text: true });
    assert.equal(top.body.results.length, 2);
    assert.deepEqual(top.body.results.map((r) => r.index), full.slice(0, 2).map((r) => r.index));
    for (const r of top.body.results) assert.deepEqual(r.document, { text: documents[r.index] });
    const objects = await cria.post('/rerank', { query, documents: documents.map((text) => ({ text })) });
    assert.deepEqual(objects.body.results, full);
  });

  test('bad input is a 400 naming the field; embeddings are refused in reranking mode', async () => {
    assertErrorShape(assert, await cria.post('/rerank', { documents }), 400, 'query');
    assertErrorShape(assert, await cria.post('/rerank', { query: 3, documents }), 400, 'query');
    assertErrorShape(assert, await cria.post('/rerank', { query }), 400, 'documents');
    assertErrorShape(assert, await cria.post('/rerank', { query, documents: [] }), 400, 'documents');
    assertErrorShape(assert, await cria.post('/rerank', { query, documents: [1, 2] }), 400, 'documents');
    assertErrorShape(assert, await cria.post('/rerank', { query, documents, top_n: -1 }), 400, 'top_n');
    assertErrorShape(assert, await cria.post('/rerank', { query, documents: Array(1025).fill('x') }), 400, 'documents');
    assertErrorShape(assert, await cria.post('/v1/embeddings', { input: 'x' }), 501);
    assertErrorShape(assert, await cria.post('/completion', { prompt: 'x' }), 501);
  });

  test('cria and llama-server give the same scores on the same model', async (t) => {
    if (!llamaServerPath()) return t.skip('llama-server is not installed');
    const llama = await startLlamaServer(RERANK_MODEL, ['--rerank', '-np', '2', '-t', '1', '-tb', '1']);
    try {
      const theirs = await (await fetch(`${llama.base}/v1/rerank`, { method: 'POST',
        body: JSON.stringify({ query, documents }) })).json();
      const ours = (await cria.post('/v1/rerank', { query, documents })).body;
      assert.deepEqual(ours.results.map((r) => r.index), theirs.results.map((r) => r.index), JSON.stringify({ ours, theirs }));
      ours.results.forEach((r, i) => {
        assert.ok(Math.abs(r.relevance_score - theirs.results[i].relevance_score) < 1e-4,
          `${r.relevance_score} vs ${theirs.results[i].relevance_score}`);
      });
      assert.equal(ours.usage.prompt_tokens, theirs.usage.prompt_tokens);
      // TEI's shape (`texts`) too: a plain list with `score` and, asked for, `text`.
      const teiTheirs = await (await fetch(`${llama.base}/rerank`, { method: 'POST',
        body: JSON.stringify({ query, texts: documents, return_text: true }) })).json();
      const teiOurs = (await cria.post('/rerank', { query, texts: documents, return_text: true })).body;
      assert.deepEqual(teiOurs.map((r) => [r.index, r.text]), teiTheirs.map((r) => [r.index, r.text]));
      teiOurs.forEach((r, i) => assert.ok(Math.abs(r.score - teiTheirs[i].score) < 1e-4));
    } finally {
      await llama.stop();
    }
  });
});

describe('a server without --rerank', () => {
  let cria;
  before(async () => { cria = await startCria([...THREADS]); });
  after(async () => { await cria?.stop(); });

  test('/rerank answers 501 as llama-server does', async () => {
    const res = await cria.post('/rerank', { query, documents });
    assertErrorShape(assert, res, 501);
    assert.match(res.body.error.message, /--rerank/);
  });
});
