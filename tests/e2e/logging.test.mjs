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
