// GET /metrics with --metrics: Prometheus text whose counters move by exactly what requests did.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { startCria, assertErrorShape } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

let cria;
before(async () => { cria = await startCria(['-np', '2', '--metrics', ...THREADS]); });
after(async () => { await cria?.stop(); });

// name (with labels) -> value
async function scrape() {
  const res = await fetch(cria.url('/metrics'));
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain/);
  const values = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = line.match(/^(llamacpp:[a-z_]+(?:\{le="[^"]+"\})?) (-?[0-9.e+-]+|\+Inf|NaN)$/);
    assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
    values.set(m[1], Number(m[2]));
  }
  return values;
}

test('every metric the seed lists is there, with HELP and TYPE', async () => {
  const text = await (await fetch(cria.url('/metrics'))).text();
  for (const name of ['prompt_tokens_total', 'tokens_predicted_total', 'prompt_tokens_seconds', 'predicted_tokens_seconds',
    'kv_cache_usage_ratio', 'kv_cache_tokens', 'requests_processing', 'requests_deferred']) {
    assert.match(text, new RegExp(`^# TYPE llamacpp:${name} (counter|gauge)$`, 'm'), name);
    assert.match(text, new RegExp(`^# HELP llamacpp:${name} .+$`, 'm'), name);
  }
  assert.match(text, /^# TYPE llamacpp:time_to_first_token_seconds histogram$/m);
  assert.match(text, /^# TYPE llamacpp:request_latency_seconds histogram$/m);
});

test('promtool check metrics finds nothing but the colons of the seed\'s names', async () => {
  await cria.post('/completion', { prompt: 'warm the histograms', n_predict: 2 });
  const text = await (await fetch(cria.url('/metrics'))).text();
  // promtool comes with Debian's prometheus package (scripts/install-deps).
  const check = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(check.error, undefined, `promtool could not run: ${check.error}`);
  const complaints = (check.stdout + check.stderr).split('\n').filter((l) => l.trim() !== '');
  assert.ok(complaints.length > 0, 'promtool should at least note the colons');
  for (const line of complaints) {
    // llama-server 0.7 types n_tokens_max (a maximum) as a counter; cria keeps its name and type.
    if (line === 'llamacpp:n_tokens_max counter metrics should have "_total" suffix') continue;
    assert.match(line, /^llamacpp:[a-z_]+ metric names should not contain ':'$/, `promtool: ${line}`);
  }
});

test('counters move by the tokens of known requests; histograms count them', async () => {
  const before_ = await scrape();
  const a = await cria.post('/completion', { prompt: 'The quick brown fox', n_predict: 5, temperature: 0, cache_prompt: false });
  const b = await cria.post('/completion', { prompt: 'look at the water', n_predict: 7, temperature: 0, cache_prompt: false });
  const after_ = await scrape();
  const delta = (k) => after_.get(k) - before_.get(k);
  assert.equal(delta('llamacpp:tokens_predicted_total'), 12);
  assert.equal(delta('llamacpp:prompt_tokens_total'), a.body.timings.prompt_n + b.body.timings.prompt_n);
  assert.equal(delta('llamacpp:requests_total'), 2);
  assert.equal(delta('llamacpp:time_to_first_token_seconds_count'), 2);
  assert.equal(delta('llamacpp:request_latency_seconds_count'), 2);
  assert.equal(after_.get('llamacpp:request_latency_seconds_bucket{le="+Inf"}'), after_.get('llamacpp:request_latency_seconds_count'));
  assert.equal(after_.get('llamacpp:requests_processing'), 0);
  assert.equal(after_.get('llamacpp:requests_deferred'), 0);
  assert.ok(after_.get('llamacpp:kv_cache_tokens') > 0, 'the finished requests stay cached');
  assert.ok(after_.get('llamacpp:kv_cache_usage_ratio') > 0 && after_.get('llamacpp:kv_cache_usage_ratio') <= 1);
  assert.ok(after_.get('llamacpp:predicted_tokens_seconds') > 0);
});

test('without --metrics the endpoint is a 501 not_supported_error', async () => {
  const plain = await startCria(['-np', '1', ...THREADS]);
  try {
    const res = await plain.get('/metrics');
    assertErrorShape(assert, res, 501);
    assert.equal(res.body.error.type, 'not_supported_error');
    assert.equal(res.body.error.message, 'This server does not support metrics endpoint.');
  } finally {
    await plain.stop();
  }
});
