// --api-prefix PREFIX: every route (the API, /health, /metrics, the web UI and /completion.js) is
// served under PREFIX, and nothing outside it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { startCria, runCria, assertErrorShape, TINY_MODEL } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';
import { makeTempDir } from './lib/misc-helpers.mjs';

let cria;
before(async () => {
  cria = await startCria(['--api-prefix', '/llm', '--metrics', '-n', '6', ...THREADS], { healthPath: '/llm/health' });
});
after(async () => { await cria?.stop(); });

test('the API answers under the prefix: completion, chat through the openai client, health, props, metrics', async () => {
  const health = await cria.get('/llm/health');
  assert.equal(health.status, 200);
  assert.equal(health.body.status, 'ok');
  assert.equal((await cria.get('/llm/v1/health')).status, 200);

  const completion = await cria.post('/llm/completion', { prompt: 'Hello', n_predict: 4, temperature: 0 });
  assert.equal(completion.status, 200, JSON.stringify(completion.body));
  assert.equal(completion.body.tokens_predicted, 4);
  assert.equal(typeof completion.body.content, 'string');

  const client = new OpenAI({ baseURL: `${cria.base}/llm/v1`, apiKey: 'x', maxRetries: 0, timeout: 30000 });
  const chat = await client.chat.completions.create({
    model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3, temperature: 0,
  });
  assert.equal(chat.object, 'chat.completion');
  assert.equal(chat.usage.completion_tokens, 3);
  const streamed = await client.chat.completions.create({
    model: 'tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3, temperature: 0, stream: true,
  });
  let text = '';
  for await (const chunk of streamed) text += chunk.choices[0]?.delta?.content ?? '';
  assert.equal(text, chat.choices[0].message.content);
  const models = await client.models.list();
  assert.equal(models.data.length, 1);

  assert.equal((await cria.get('/llm/props')).body.default_generation_settings.n_predict, 6);
  const metrics = await cria.get('/llm/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.body, /llamacpp:prompt_tokens_total/);
  assert.equal((await cria.post('/llm/tokenize', { content: 'Hello' })).status, 200);
  // A route with a path parameter reaches its handler too (which wants --slot-save-path).
  const slot = await cria.post('/llm/slots/0?action=erase', {});
  assertErrorShape(assert, slot, 501);
  assert.match(slot.body.error.message, /--slot-save-path/);
});

test('the web UI, its assets and /completion.js are under the prefix; the bare prefix redirects to PREFIX/', async () => {
  const page = await cria.get('/llm/');
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(assets.length >= 2, page.body);
  for (const asset of assets) {
    assert.ok(!asset.startsWith('/'), `${asset} must be relative, to resolve under the prefix`);
    assert.equal((await cria.get(`/llm/${asset}`)).status, 200, asset);
  }
  assert.equal((await cria.get('/llm/index.html')).body, page.body);
  const library = await cria.get('/llm/completion.js');
  assert.equal(library.status, 200);
  assert.match(library.body, /export async function\* llama\b/);

  const bare = await fetch(cria.url('/llm'), { redirect: 'manual' });
  assert.equal(bare.status, 302);
  assert.equal(bare.headers.get('location'), '/llm/');
});

test('nothing answers outside the prefix', async () => {
  for (const p of ['/health', '/v1/health', '/props', '/metrics', '/', '/index.html', '/completion.js', '/v1/models',
    '/llmx/health', '/other/llm/health']) {
    assertErrorShape(assert, await cria.get(p), 404);
  }
  for (const p of ['/completion', '/v1/chat/completions', '/tokenize', '/slots/0?action=erase']) {
    assertErrorShape(assert, await cria.post(p, { prompt: 'x', messages: [{ role: 'user', content: 'x' }] }), 404);
  }
});

test('with --api-key: health and model listing stay public under the prefix, the rest needs the key', async () => {
  const locked = await startCria(['--api-prefix', '/a/b.c', '--api-key', 'sesame', ...THREADS], { healthPath: '/a/b.c/health' });
  try {
    assert.equal((await locked.get('/a/b.c/v1/models')).status, 200);
    assertErrorShape(assert, await locked.post('/a/b.c/completion', { prompt: 'x', n_predict: 1 }), 401);
    const ok = await locked.post('/a/b.c/completion', { prompt: 'x', n_predict: 1 }, { Authorization: 'Bearer sesame' });
    assert.equal(ok.status, 200);
    assert.equal((await locked.get('/a/b.c/')).status, 200, 'the UI page loads without the key');
    // Outside the prefix nothing exists, key or not.
    assertErrorShape(assert, await locked.post('/completion', { prompt: 'x', n_predict: 1 }), 404);
    assertErrorShape(assert, await locked.get('/health'), 404);
    // The '.' of the prefix is a plain character, not "any character".
    assert.notEqual((await locked.get('/a/bxc/health')).status, 200);
  } finally {
    await locked.stop();
  }
});

test('--path files and /completion.js under the prefix; LLAMA_ARG_API_PREFIX works too', async () => {
  const www = makeTempDir();
  fs.writeFileSync(path.join(www.dir, 'index.html'), '<p>mine</p>');
  const server = await startCria(['--path', www.dir, ...THREADS],
    { healthPath: '/env/health', env: { LLAMA_ARG_API_PREFIX: '/env' } });
  try {
    assert.equal((await server.get('/env/')).body, '<p>mine</p>');
    assert.equal((await server.get('/env/index.html')).body, '<p>mine</p>');
    assert.equal((await server.get('/env/completion.js')).status, 200);
    assert.equal((await server.get('/index.html')).status, 404);
  } finally {
    await server.stop();
    www.cleanup();
  }
});

test('a bad prefix is refused at start-up, naming the option', async () => {
  for (const bad of ['llm', '/llm/', '/', '/a?b', '/a#b', '/a/../b', '/a b']) {
    const res = await runCria(['-m', TINY_MODEL, '--api-prefix', bad]);
    assert.equal(res.code, 1, `${bad}: ${res.stderr}`);
    assert.match(res.stderr, /--api-prefix/, bad);
  }
});
