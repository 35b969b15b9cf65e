// Request budgets (issue #12): every request is checked against its budget when it is parsed
// (docs/operations.md, "Limits" / "Requests"). Over budget -> 400 in the route's error shape naming
// the field, and the server goes on serving; exactly at a limit is accepted (no off-by-one).
// The first server runs with the default limits (the cases); the second with small ones
// set by the options, so that "at the limit" stays cheap for images and /tokenize.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startCria, assertErrorShape, MODELS } from './lib/cria.mjs';
import { assertStillServing } from './lib/misc-helpers.mjs';
import { pngFile } from './lib/image-files.mjs';

const MMPROJ = path.join(MODELS, 'tiny-mmproj.gguf');

let cria;     // default limits
let small;    // --max-request-tasks 4 --max-images 1 --max-image-size N --max-tokenize-size 1000 ...
const image = pngFile(8, 8, (x, y) => [x * 30, y * 30, 100]);

before(async () => {
  [cria, small] = await Promise.all([
    startCria(['-c', '1024', '-np', '2']),
    startCria(['-c', '512', '-np', '1', '--mmproj', MMPROJ, '--max-request-tasks', '4', '--max-images', '1',
      '--max-image-size', String(image.length), '--max-tokenize-size', '1000', '--max-detokenize-tokens', '50',
      '--max-stop-strings', '2', '--max-stop-length', '5']),
  ]);
});
after(async () => { await Promise.all([cria?.stop(), small?.stop()]); });

const one = { prompt: 'Hello', n_predict: 1, temperature: 0 };

function assertRefused(res, field) {
  assertErrorShape(assert, res, 400, undefined);
  assert.equal(res.body.error.type, 'invalid_request_error');
  assert.ok(field.includes(res.body.error.param), `error should name one of ${field}: ${JSON.stringify(res.body)}`);
}

test('/v1/completions with 20,000 prompts x n 16 is refused at once, naming n or prompt; the next request is served', async () => {
  const prompts = Array.from({ length: 20000 }, (_, i) => `p${i}`);
  const res = await cria.post('/v1/completions', { prompt: prompts, n: 16, max_tokens: 1 });
  assertRefused(res, ['n', 'prompt']);
  assert.match(res.body.error.message, /--max-request-tasks/);
  await assertStillServing(assert, cria, 'after 20,000 x 16 completions were asked for');
});

test('prompts x n at exactly the default limit (128) is served', async () => {
  const prompts = Array.from({ length: 8 }, (_, i) => `Hello ${i}`);
  const res = await cria.post('/v1/completions', { prompt: prompts, n: 16, max_tokens: 1, temperature: 0 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.choices.length, 128);
  const over = await cria.post('/v1/completions', { prompt: [...prompts, 'one more'], n: 16, max_tokens: 1 });
  assertRefused(over, ['prompt']);
});

test('--max-request-tasks: n at the limit is served, one more is refused (completions and chat)', async () => {
  const ok = await small.post('/v1/completions', { prompt: ['a', 'b'], n: 2, max_tokens: 1, temperature: 0 });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assertRefused(await small.post('/v1/completions', { prompt: 'a', n: 5, max_tokens: 1 }), ['n']);
  const chat = (n) => small.post('/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], n, max_tokens: 1 });
  assert.equal((await chat(4)).status, 200);
  assertRefused(await chat(5), ['n']);
});

test('20,000 stop strings of 100 characters are refused naming stop; 64 of 512 bytes are accepted', async () => {
  const many = Array.from({ length: 20000 }, (_, i) => `${i}`.padEnd(100, 'x'));
  assertRefused(await cria.post('/completion', { ...one, stop: many }), ['stop']);
  const atLimit = Array.from({ length: 64 }, (_, i) => `${i}`.padEnd(512, 'y'));
  const res = await cria.post('/completion', { ...one, stop: atLimit });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assertRefused(await cria.post('/completion', { ...one, stop: [...atLimit, 'z'] }), ['stop']);
  assertRefused(await cria.post('/completion', { ...one, stop: ['q'.repeat(513)] }), ['stop']);
  await assertStillServing(assert, cria, 'after too many stop strings');
});

test('--max-stop-strings and --max-stop-length set the stop budget (also for chat)', async () => {
  assert.equal((await small.post('/completion', { ...one, stop: ['abcde', 'fghij'] })).status, 200);
  assertRefused(await small.post('/completion', { ...one, stop: ['a', 'b', 'c'] }), ['stop']);
  assertRefused(await small.post('/completion', { ...one, stop: 'abcdef' }), ['stop']);
  const chat = await small.post('/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 1, stop: ['a', 'b', 'c'] });
  assertRefused(chat, ['stop']);
});

test('n_probs above 1000 is refused (400, not clamped); 1000 is served', async () => {
  assertRefused(await cria.post('/completion', { ...one, n_probs: 1001 }), ['n_probs']);
  const res = await cria.post('/completion', { ...one, n_probs: 1000 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(res.body.generation_settings.n_probs, 1000);
});

test('more logit_bias entries than the limit are refused; exactly the limit is served', async () => {
  const atLimit = Array.from({ length: 131072 }, () => [1, 0]);
  const res = await cria.post('/completion', { ...one, logit_bias: atLimit });
  assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
  atLimit.push([1, 0]);
  assertRefused(await cria.post('/completion', { ...one, logit_bias: atLimit }), ['logit_bias']);
  await assertStillServing(assert, cria, 'after too many logit_bias entries');
});

test('samplers: 64 entries are served, 65 refused', async () => {
  const stages = Array.from({ length: 64 }, () => 'top_k');
  assert.equal((await cria.post('/completion', { ...one, samplers: stages })).status, 200);
  assertRefused(await cria.post('/completion', { ...one, samplers: [...stages, 'top_k'] }), ['samplers']);
});

test('look-back windows past the slot context are clamped to it: the request is served', async () => {
  for (const extra of [{ dry_penalty_last_n: 2147483647, dry_multiplier: 0.5 },
    { repeat_last_n: 2147483647, penalize_nl: false, repeat_penalty: 1.1 }]) {
    const res = await cria.post('/completion', { ...one, n_predict: 4, ...extra });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const g = res.body.generation_settings;
    const key = Object.keys(extra)[0];
    assert.equal(g[key], g.n_ctx, `${key} should be the slot's context`);
  }
  const minusOne = await cria.post('/completion', { ...one, repeat_last_n: -1 });
  assert.equal(minusOne.body.generation_settings.repeat_last_n, -1);
});

test('grammar: at exactly 256 KiB it is accepted, one byte more is refused naming grammar', async () => {
  const head = 'root ::= "a" | "';
  const grammar = head + 'b'.repeat(256 * 1024 - head.length - 1) + '"';
  assert.equal(grammar.length, 256 * 1024);
  assert.equal((await cria.post('/completion', { ...one, grammar })).status, 200);
  assertRefused(await cria.post('/completion', { ...one, grammar: grammar + ' ' }), ['grammar']);
});

test('a json_schema whose grammar would explode is refused naming json_schema (and response_format in chat)', async () => {
  // Optional members make the grammar quadratic in their number: 3,000 of them is a 40 KB schema.
  const properties = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, { type: 'integer' }]));
  const schema = { type: 'object', properties };
  assertRefused(await cria.post('/completion', { ...one, json_schema: schema }), ['json_schema']);
  const chat = await cria.post('/v1/chat/completions', {
    messages: [{ role: 'user', content: 'hi' }], max_tokens: 1,
    response_format: { type: 'json_schema', json_schema: { schema } },
  });
  assertRefused(chat, ['response_format']);
  await assertStillServing(assert, cria, 'after a huge json_schema');
});

test('images: one image at the byte limit is served; a second image, or a larger one, is refused', async () => {
  const data = image.toString('base64');
  const body = (entries) => ({ prompt: entries.map((e) => `[img-${e.id}]`).join(' ') + ' hi', n_predict: 1, image_data: entries });
  assert.equal((await small.post('/completion', body([{ data, id: 1 }]))).status, 200);
  assertRefused(await small.post('/completion', body([{ data, id: 1 }, { data, id: 2 }])), ['image_data']);
  const bigger = Buffer.concat([image, Buffer.from([0])]).toString('base64');
  assertRefused(await small.post('/completion', body([{ data: bigger, id: 1 }])), ['image_data']);
  const part = (b64) => ({ type: 'image_url', image_url: { url: `data:image/png;base64,${b64}` } });
  const chat = (parts) => small.post('/v1/chat/completions', { messages: [{ role: 'user', content: parts }], max_tokens: 1 });
  assert.equal((await chat([part(data)])).status, 200);
  assertRefused(await chat([part(data), part(data)]), ['messages']);
  const big = await chat([part(bigger)]);
  assertErrorShape(assert, big, 400, undefined);
  assert.match(big.body.error.param, /image_url/);
});

test('/tokenize content and /detokenize tokens: at the limit served, over it refused', async () => {
  assert.equal((await small.post('/tokenize', { content: 'a'.repeat(1000) })).status, 200);
  assertRefused(await small.post('/tokenize', { content: 'a'.repeat(1001) }), ['content']);
  assert.equal((await small.post('/detokenize', { tokens: Array(50).fill(1) })).status, 200);
  assertRefused(await small.post('/detokenize', { tokens: Array(51).fill(1) }), ['tokens']);
  await assertStillServing(assert, small, 'after over-budget /tokenize and /detokenize');
});

test('an image whose header declares 20000 x 20000 pixels is refused before decoding, naming the field', async () => {
  // A valid PNG signature and IHDR chunk (CRC included) declaring 20000 x 20000 RGB pixels: 33
  // bytes that stb_image would answer by allocating 1.2 GB. Over the 32 Mi pixel default.
  const header = 'iVBORw0KGgoAAAANSUhEUgAATiAAAE4gCAIAAABsEtFu';
  const res = await small.post('/completion', { prompt: '[img-1] hi', n_predict: 1, image_data: [{ data: header, id: 1 }] });
  assertRefused(res, ['image_data']);
  assert.match(res.body.error.message, /20000 x 20000/);
  assert.match(res.body.error.message, /--max-image-pixels/);
  const chat = await small.post('/v1/chat/completions', {
    messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: `data:image/png;base64,${header}` } }] }],
    max_tokens: 1,
  });
  assertRefused(chat, ['messages[0].content[0].image_url']);
  // The next request with a real image is served.
  const data = image.toString('base64');
  assert.equal((await small.post('/completion', { prompt: '[img-1] hi', n_predict: 1, image_data: [{ data, id: 1 }] })).status, 200);
});
