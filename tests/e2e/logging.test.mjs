// Logging: one line per request (method, route, status), text or JSON, to stderr or --log-file;
// prompts never appear at the default verbosity.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCria } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

const SECRET_PROMPT = 'the purple elephant dances quietly';

test('text logs: a line per request with method, route and status; no prompt text', async () => {
  const cria = await startCria(['-np', '1', ...THREADS]);
  try {
    await cria.post('/completion', { prompt: SECRET_PROMPT, n_predict: 2 });
    await cria.post('/completion', { prompt: 5 });
  } finally {
    await cria.stop();
  }
  const log = cria.log();
  assert.match(log, /request method=POST route=\/completion status=200/);
  assert.match(log, /request method=POST route=\/completion status=400/);
  assert.ok(!log.includes(SECRET_PROMPT), 'the prompt was logged');
});

test('--log-format json --log-file: every line is a JSON object; requests have their fields', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cria-log-')), 'cria.log');
  const cria = await startCria(['-np', '1', '--log-format', 'json', '--log-file', file, ...THREADS]);
  try {
    await cria.post('/completion', { prompt: SECRET_PROMPT, n_predict: 2 });
    await cria.get('/health');
  } finally {
    await cria.stop();
  }
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  const entries = lines.map((l) => JSON.parse(l));
  for (const e of entries) {
    assert.equal(typeof e.level, 'string');
    assert.equal(typeof e.time, 'number');
    assert.equal(typeof e.msg, 'string');
  }
  const completion = entries.find((e) => e.msg === 'request' && e.route === '/completion');
  assert.deepEqual([completion.method, completion.status], ['POST', 200]);
  assert.ok(typeof completion.duration_ms === 'number' && completion.duration_ms >= 0);
  assert.ok(entries.some((e) => e.msg === 'request' && e.route === '/health' && e.status === 200));
  assert.ok(!fs.readFileSync(file, 'utf8').includes(SECRET_PROMPT));
  assert.ok(!cria.log().includes('"msg"'), 'with --log-file nothing should go to stderr');
});

test('request lines carry the tokens the request cost, streamed or not', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cria-log-')), 'cria.log');
  const cria = await startCria(['-np', '2', '--log-format', 'json', '--log-file', file, ...THREADS]);
  let whole, streamed;
  try {
    whole = await cria.post('/completion', { prompt: 'one two three four', n_predict: 3, cache_prompt: false });
    assert.equal(whole.status, 200);
    streamed = await cria.stream('/v1/chat/completions', {
      messages: [{ role: 'user', content: 'hello there' }], max_tokens: 4, stream_options: { include_usage: true },
    });
    assert.equal(streamed.status, 200);
  } finally {
    await cria.stop();
  }
  const entries = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const completion = entries.find((e) => e.msg === 'request' && e.route === '/completion');
  assert.equal(completion.prompt_tokens, whole.body.tokens_evaluated);
  assert.equal(completion.predicted_tokens, whole.body.tokens_predicted);
  const chat = entries.find((e) => e.msg === 'request' && e.route === '/v1/chat/completions');
  const usage = streamed.events.at(-1).usage;
  assert.equal(chat.prompt_tokens, usage.prompt_tokens);
  assert.equal(chat.predicted_tokens, usage.completion_tokens);
  // A request that generated nothing has no token fields.
  const health = entries.find((e) => e.msg === 'request' && e.route === '/health');
  assert.equal(health?.prompt_tokens, undefined);
});

test('verbosity: -lv 5 logs request bodies (prompts), -lv 1 keeps only errors', async () => {
  const verbose = await startCria(['-np', '1', '-lv', '5', ...THREADS]);
  try {
    await verbose.post('/completion', { prompt: SECRET_PROMPT, n_predict: 1 });
  } finally {
    await verbose.stop();
  }
  assert.ok(verbose.log().includes(SECRET_PROMPT), 'debug verbosity should show the prompt');

  const quiet = await startCria(['-np', '1', '-lv', '1', ...THREADS]);
  try {
    await quiet.post('/completion', { prompt: SECRET_PROMPT, n_predict: 1 });
  } finally {
    await quiet.stop();
  }
  assert.ok(!quiet.log().includes('request method='), quiet.log());
  assert.ok(!quiet.log().includes('listening on'), 'info lines should be off at -lv 1');
});
