// POST /props (with --props): new server-wide default generation settings, seen by GET /props and
// by later requests; a request's own fields still win. Without --props it is 501, as in llama-server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, assertErrorShape } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

let cria;
before(async () => { cria = await startCria(['--props', '--temp', '0.8', '--top-k', '40', ...THREADS]); });
after(async () => { await cria?.stop(); });

const defaults = async (server = cria) => (await server.get('/props')).body.default_generation_settings;
const change = (settings, server = cria, headers = {}) =>
  server.post('/props', { default_generation_settings: settings }, headers);

test('a change shows in GET /props and in the next request; fields not given keep their value', async () => {
  const before = await defaults();
  assert.ok(Math.abs(before.temperature - 0.8) < 1e-6);
  assert.equal(before.top_k, 40);
  assert.equal(before.n_predict, -1);

  const res = await change({ temperature: 0.25, n_predict: 5, top_k: 7, 'speculative.n_max': 3, samplers: ['top_k', 'temperature'] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.success, true);

  const after = await defaults();
  assert.ok(Math.abs(after.temperature - 0.25) < 1e-6, JSON.stringify(after));
  assert.equal(after.n_predict, 5);
  assert.equal(after.top_k, 7);
  assert.equal(after['speculative.n_max'], 3);
  assert.deepEqual(after.samplers, ['top_k', 'temperature']);
  assert.equal(after.top_p, before.top_p, 'a field not given keeps its value');
  assert.equal(after.seed, before.seed);

  const completion = await cria.post('/completion', { prompt: 'Hello' });
  assert.equal(completion.status, 200, JSON.stringify(completion.body));
  const settings = completion.body.generation_settings;
  assert.ok(Math.abs(settings.temperature - 0.25) < 1e-6);
  assert.equal(settings.top_k, 7);
  assert.equal(settings.n_predict, 5);
  assert.ok(completion.body.tokens_predicted <= 5);

  // The request's own fields win over the new defaults (n_predict below the cap).
  const own = await cria.post('/completion', { prompt: 'Hello', temperature: 0.9, top_k: 2, n_predict: 2 });
  assert.ok(Math.abs(own.body.generation_settings.temperature - 0.9) < 1e-6);
  assert.equal(own.body.generation_settings.top_k, 2);
  assert.equal(own.body.generation_settings.n_predict, 2);
  assert.ok(own.body.tokens_predicted <= 2);

  // A second change builds on the first.
  assert.equal((await change({ top_p: 0.5 })).status, 200);
  const third = await defaults();
  assert.equal(third.top_p, 0.5);
  assert.equal(third.top_k, 7);
  assert.equal(third.n_predict, 5);

  // n_predict -1 lifts the cap again; the OpenAI routes see the defaults too.
  assert.equal((await change({ n_predict: -1, temperature: 0 })).status, 200);
  assert.equal((await defaults()).n_predict, -1);
  const chat = await cria.post('/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 });
  assert.equal(chat.status, 200);
  const again = await cria.post('/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 4 });
  assert.equal(again.body.choices[0].message.content, chat.body.choices[0].message.content, 'temperature 0 is greedy');
});

test('bad changes are 400 naming the field, and change nothing', async () => {
  const before = await defaults();
  const cases = [
    [{ default_generation_settings: { temperature: 'hot' } }, 'default_generation_settings.temperature'],
    [{ default_generation_settings: { temperature: 0.1, top_p: 2 } }, 'default_generation_settings.top_p'],
    [{ default_generation_settings: { n_predict: -7 } }, 'default_generation_settings.n_predict'],
    [{ default_generation_settings: { samplers: ['nope'] } }, 'default_generation_settings.samplers'],
    [{ default_generation_settings: { prompt: 'x' } }, 'default_generation_settings.prompt'],
    [{ default_generation_settings: { no_such_setting: 1 } }, 'default_generation_settings.no_such_setting'],
    [{ default_generation_settings: 3 }, 'default_generation_settings'],
    [{ total_slots: 4 }, 'total_slots'],
  ];
  for (const [body, field] of cases) assertErrorShape(assert, await cria.post('/props', body), 400, field);
  assertErrorShape(assert, await cria.post('/props', '{"default_generation_settings": '), 400);
  assertErrorShape(assert, await cria.post('/props', '[1]'), 400);
  assert.deepEqual(await defaults(), before);
});

test('without --props, POST /props is 501 and GET /props still answers', async () => {
  const plain = await startCria([...THREADS]);
  try {
    const res = await change({ temperature: 0.1 }, plain);
    assertErrorShape(assert, res, 501);
    assert.equal(res.body.error.type, 'not_supported_error');
    assert.match(res.body.error.message, /--props/);
    assert.notEqual((await defaults(plain)).temperature, 0.1);
  } finally {
    await plain.stop();
  }
});

test('with --api-key, POST /props needs the key; LLAMA_ARG_ENDPOINT_PROPS turns it on', async () => {
  const locked = await startCria(['--api-key', 'sesame', ...THREADS], { env: { LLAMA_ARG_ENDPOINT_PROPS: '1' } });
  try {
    assertErrorShape(assert, await change({ top_k: 3 }, locked), 401);
    const auth = { Authorization: 'Bearer sesame' };
    assert.equal((await change({ top_k: 3 }, locked, auth)).status, 200);
    assert.equal((await locked.get('/props', auth)).body.default_generation_settings.top_k, 3);
  } finally {
    await locked.stop();
  }
});
