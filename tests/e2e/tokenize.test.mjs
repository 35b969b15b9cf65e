// POST /tokenize and /detokenize, GET /props, and server-wide sampling defaults.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria } from './lib/cria.mjs';

let cria;
// Three slots, and sampling defaults that differ from llama-server's (0.8 and 40).
before(async () => { cria = await startCria(['-np', '3', '-c', '3072', '--temp', '0.5', '--top-k', '7']); });
after(async () => { await cria?.stop(); });

const TEXT = 'The quick brown fox';

async function tokenize(content, extra = {}) {
  const res = await cria.post('/tokenize', { content, ...extra });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.deepEqual(Object.keys(res.body), ['tokens']);
  return res.body.tokens;
}

async function detokenize(tokens) {
  const res = await cria.post('/detokenize', { tokens });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.equal(typeof res.body.content, 'string');
  return res.body.content;
}

// Joins with_pieces output back into bytes: a piece is a string, or an array of byte values when
// it is not valid UTF-8 on its own.
function piecesToBytes(items) {
  return Buffer.concat(items.map(({ piece }) => (typeof piece === 'string' ? Buffer.from(piece, 'utf8') : Buffer.from(piece))));
}

test('/tokenize returns integer ids, about one per word of plain English', async () => {
  const tokens = await tokenize(TEXT);
  assert.ok(tokens.every((t) => Number.isInteger(t) && t >= 0), JSON.stringify(tokens));
  assert.ok(tokens.length >= 4 && tokens.length <= 6, `${tokens.length} tokens for 4 words: ${JSON.stringify(tokens)}`);
  // Deterministic, and different texts give different ids.
  assert.deepEqual(await tokenize(TEXT), tokens);
  assert.notDeepEqual(await tokenize('The lazy dog'), tokens);
  assert.deepEqual(await tokenize(''), []);
});

test('add_special: true prepends BOS; false (the default) does not', async () => {
  const plain = await tokenize(TEXT);
  const explicitFalse = await tokenize(TEXT, { add_special: false });
  const withBos = await tokenize(TEXT, { add_special: true });
  assert.deepEqual(explicitFalse, plain);
  assert.equal(withBos.length, plain.length + 1);
  assert.deepEqual(withBos.slice(1), plain);
  assert.ok(!plain.includes(withBos[0]), 'the BOS id also appears in the plain tokens');
  // The same BOS id starts every text.
  assert.equal((await tokenize('Hello', { add_special: true }))[0], withBos[0]);
});

test('with_pieces: true gives [{id, piece}] whose pieces join back into the text', async () => {
  const res = await cria.post('/tokenize', { content: TEXT, with_pieces: true });
  assert.equal(res.status, 200);
  const items = res.body.tokens;
  assert.deepEqual(items.map((i) => i.id), await tokenize(TEXT));
  for (const item of items) {
    assert.deepEqual(Object.keys(item).sort(), ['id', 'piece']);
    assert.equal(typeof item.piece, 'string');
  }
  const joined = items.map((i) => i.piece).join('');
  // SentencePiece-style vocabularies render the first word with a leading space.
  assert.ok(joined === TEXT || joined === ` ${TEXT}`, JSON.stringify(joined));
});

test('with_pieces: non-ASCII text comes back byte for byte (pieces that are not UTF-8 are byte arrays)', async () => {
  const text = 'Hello, world! café 日本';
  const res = await cria.post('/tokenize', { content: text, with_pieces: true });
  assert.equal(res.status, 200);
  const items = res.body.tokens;
  for (const { piece } of items) {
    assert.ok(typeof piece === 'string' || (Array.isArray(piece) && piece.every((b) => Number.isInteger(b) && b >= 0 && b <= 255)),
      JSON.stringify(piece));
  }
  const bytes = piecesToBytes(items).toString('utf8');
  assert.ok(bytes === text || bytes === ` ${text}`, JSON.stringify(bytes));
});

test('/detokenize of /tokenize output gives back the text', async () => {
  const texts = [TEXT, 'Hello, world!', 'café 日本 — ünïcödé', 'Numbers 12345 and symbols #@!?', 'two\nlines\tand tab',
    'The quick brown fox jumps over the lazy dog.'];
  for (const text of texts) {
    const content = await detokenize(await tokenize(text));
    assert.equal(content, text, `round trip of ${JSON.stringify(text)}`);
  }
  assert.equal(await detokenize([]), '');
});

test('special tokens: "<s>" in the content is parsed as BOS by default, as text with parse_special false', async () => {
  const bos = (await tokenize('x', { add_special: true }))[0];
  const parsed = await tokenize('<s>Hello');
  assert.equal(parsed[0], bos);
  const literal = await tokenize('<s>Hello', { parse_special: false });
  assert.ok(!literal.includes(bos), JSON.stringify(literal));
  assert.ok(literal.length > parsed.length);
});

test('/props has default_generation_settings, total_slots equal to -np, and chat_template', async () => {
  const res = await cria.get('/props');
  assert.equal(res.status, 200);
  const props = res.body;
  assert.equal(props.total_slots, 3);
  assert.equal(typeof props.chat_template, 'string');
  assert.ok(props.chat_template.length > 0, 'the test model has a chat template');
  const d = props.default_generation_settings;
  assert.equal(typeof d, 'object');
  for (const field of ['temperature', 'top_k', 'top_p', 'min_p', 'n_ctx', 'n_predict', 'seed', 'repeat_penalty',
    'repeat_last_n', 'stop', 'n_keep', 'ignore_eos', 'stream', 'samplers']) {
    assert.ok(field in d, `default_generation_settings lacks ${field}`);
  }
  assert.ok(Number.isInteger(d.n_ctx) && d.n_ctx > 0 && d.n_ctx <= 3072, `n_ctx ${d.n_ctx}`);
  assert.equal(d.n_predict, -1);
  assert.equal(d.seed, -1);
  assert.deepEqual(d.stop, []);
});

test('--temp 0.5 --top-k 7 show up in /props default_generation_settings', async () => {
  const d = (await cria.get('/props')).body.default_generation_settings;
  assert.ok(Math.abs(d.temperature - 0.5) < 1e-6, `temperature ${d.temperature}`);
  assert.equal(d.top_k, 7);
  assert.ok(Math.abs(d.top_p - 0.95) < 1e-6, `top_p ${d.top_p} (default 0.95)`);
});

test('--temp 0.5 --top-k 7 apply to a completion that sets nothing; the request\'s own values win', async () => {
  const res = await cria.post('/completion', { prompt: 'Hello', n_predict: 2 });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const g = res.body.generation_settings;
  assert.ok(Math.abs(g.temperature - 0.5) < 1e-6, `temperature ${g.temperature}`);
  assert.equal(g.top_k, 7);

  const own = await cria.post('/completion', { prompt: 'Hello', n_predict: 2, temperature: 0.9, top_k: 3 });
  assert.equal(own.status, 200, JSON.stringify(own.body));
  assert.ok(Math.abs(own.body.generation_settings.temperature - 0.9) < 1e-6);
  assert.equal(own.body.generation_settings.top_k, 3);

  // Streaming: the final event carries the same settings.
  const streamed = await cria.stream('/completion', { prompt: 'Hello', n_predict: 2 });
  assert.equal(streamed.status, 200);
  const last = streamed.events.at(-1);
  assert.equal(last.stop, true);
  assert.ok(Math.abs(last.generation_settings.temperature - 0.5) < 1e-6);
  assert.equal(last.generation_settings.top_k, 7);
});

test('a prompt given as token ids from /tokenize completes like the same text', async () => {
  const ids = await tokenize(TEXT, { add_special: true });
  const byIds = await cria.post('/completion', { prompt: ids, n_predict: 4, temperature: 0 });
  const byText = await cria.post('/completion', { prompt: TEXT, n_predict: 4, temperature: 0 });
  assert.equal(byIds.status, 200, JSON.stringify(byIds.body));
  assert.equal(byText.status, 200, JSON.stringify(byText.body));
  assert.deepEqual(byIds.body.tokens, byText.body.tokens);
  assert.equal(byIds.body.tokens_evaluated, ids.length);
});
