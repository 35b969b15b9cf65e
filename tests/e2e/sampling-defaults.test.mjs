// Server-wide sampling defaults come from the command line; a request's own values win.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

let cria;
before(async () => {
  cria = await startCria(['-np', '1', ...THREADS, '--mirostat', '2', '--mirostat-ent', '3', '--presence-penalty', '0.5',
    '--typical', '0.9', '--dry-multiplier', '0.7', '--samplers', 'top_k;temperature', '--xtc-probability', '0.2']);
});
after(async () => { await cria?.stop(); });

const expected = {
  mirostat: 2, mirostat_tau: 3, presence_penalty: 0.5, typical_p: Math.fround(0.9), dry_multiplier: Math.fround(0.7),
  xtc_probability: Math.fround(0.2), samplers: ['top_k', 'temperature'],
};

test('/props default_generation_settings shows the command-line sampling defaults', async () => {
  const settings = (await cria.get('/props')).body.default_generation_settings;
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(settings[key], value, key);
});

test('a request that sets nothing uses them; one that sets a field overrides only that field', async () => {
  const plain = await cria.post('/completion', { prompt: 'hello', n_predict: 2, seed: 1 });
  for (const [key, value] of Object.entries(expected)) assert.deepEqual(plain.body.generation_settings[key], value, key);
  const own = await cria.post('/completion', { prompt: 'hello', n_predict: 2, seed: 1, mirostat: 0, samplers: ['min_p'] });
  assert.equal(own.body.generation_settings.mirostat, 0);
  assert.deepEqual(own.body.generation_settings.samplers, ['min_p']);
  assert.equal(own.body.generation_settings.presence_penalty, 0.5);
});
