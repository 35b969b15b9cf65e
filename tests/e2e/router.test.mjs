// Router mode (--models-dir, src/router/): models loaded on demand in child processes, LRU
// unloading, a model that fails to load, a child killed mid-request, sleeping when idle (router and
// single-model mode), the load/unload routes, streaming through the proxy, and /v1/models through
// the official openai client.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { startCria, assertErrorShape, sleep, TINY_MODEL, SMALL_MODEL } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

// tiny and small (symbolic links to the test models) and broken (not a GGUF at all).
function modelsDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-router-'));
  fs.symlinkSync(TINY_MODEL, path.join(dir, 'tiny.gguf'));
  fs.symlinkSync(SMALL_MODEL, path.join(dir, 'small.gguf'));
  fs.writeFileSync(path.join(dir, 'broken.gguf'), 'this is not a GGUF file\n');
  return dir;
}

// Slots of 4096 tokens: a long generation of the tiny model lasts long enough to be interrupted.
const ROUTER_ARGS = ['-c', '8192', '-np', '2', ...THREADS];

async function startRouter(dir, extra = []) {
  return startCria(['--models-dir', dir, ...ROUTER_ARGS, ...extra], { model: null });
}

async function models(server) {
  const res = await server.get('/models');
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return Object.fromEntries(res.body.data.map((m) => [m.id, m.status]));
}

// Polls /models until `id` is in state `value` (a bounded wait, not a timing assertion).
async function waitForState(server, id, value, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    last = (await models(server))[id];
    if (last?.value === value) return last;
    await sleep(50);
  }
  throw new Error(`model ${id} never became ${value}; last status ${JSON.stringify(last)}\n${server.log()}`);
}

const chat = (model, extra = {}) => ({
  model, messages: [{ role: 'user', content: 'The quick brown fox' }], max_tokens: 4, temperature: 0, ...extra,
});

describe('router: on demand, failures, crashes, routes, streaming', () => {
  let dir;
  let router;
  before(async () => {
    dir = modelsDir();
    router = await startRouter(dir, ['--metrics']);
  });
  after(async () => {
    await router?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every GGUF of the directory is listed, unloaded until a request names it', async () => {
    const states = await models(router);
    assert.deepEqual(Object.keys(states).sort(), ['broken', 'small', 'tiny']);
    for (const s of Object.values(states)) assert.equal(s.value, 'unloaded');
    assert.ok(states.tiny.args.includes('--alias') && states.tiny.args.includes('127.0.0.1'), JSON.stringify(states.tiny));
  });

  test('the first request to a model loads it; the others stay unloaded', async () => {
    const res = await router.post('/v1/chat/completions', chat('tiny'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.model, 'tiny');
    assert.equal(res.body.usage.completion_tokens, 4);
    const states = await models(router);
    assert.equal(states.tiny.value, 'loaded');
    assert.ok(Number.isInteger(states.tiny.pid) && states.tiny.pid > 0);
    assert.equal(states.small.value, 'unloaded');
    // The native route is routed the same way, and a GET by ?model=.
    const native = await router.post('/completion', { model: 'tiny', prompt: 'Hello', n_predict: 2 });
    assert.equal(native.status, 200, JSON.stringify(native.body));
    const props = await router.get('/props?model=tiny');
    assert.equal(props.status, 200);
    assert.equal(props.body.is_sleeping, false);
    assert.ok(props.body.default_generation_settings, JSON.stringify(props.body));
  });

  test('unknown and missing model names are refused in OpenAI\'s shape, naming model', async () => {
    assertErrorShape(assert, await router.post('/v1/chat/completions', chat('no-such-model')), 404, 'model');
    assertErrorShape(assert, await router.post('/v1/chat/completions', chat(undefined)), 400, 'model');
    assertErrorShape(assert, await router.post('/v1/chat/completions', chat(42)), 400, 'model');
    assertErrorShape(assert, await router.post('/v1/chat/completions', chat('m'.repeat(5000))), 400, 'model');
    assertErrorShape(assert, await router.get(`/props?model=${'m'.repeat(5000)}`), 400, 'model');
  });

  test('a model that fails to load is failed, with a clear error; the others keep serving', async () => {
    const res = await router.post('/v1/chat/completions', chat('broken'));
    assertErrorShape(assert, res, 503, 'model');
    assert.match(res.body.error.message, /broken.*failed to load/);
    const states = await models(router);
    assert.equal(states.broken.value, 'failed');
    assert.equal(states.broken.failed, true);
    assert.match(states.broken.error, /exit status/);
    // Not retried on every request: the next one is answered from the failed state.
    assertErrorShape(assert, await router.post('/completion', { model: 'broken', prompt: 'x' }), 503, 'model');
    assert.equal((await models(router)).broken.value, 'failed');
    assert.equal((await router.post('/v1/chat/completions', chat('tiny'))).status, 200);
    const health = await router.get('/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.models.broken, 'failed');
    assert.equal(health.body.models.tiny, 'loaded');
  });

  test('a stream comes through the proxy chunk by chunk, and a client that leaves cancels it', async () => {
    const ctl = new AbortController();
    const res = await fetch(router.url('/completion'), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, signal: ctl.signal,
      body: JSON.stringify({ model: 'tiny', prompt: 'Hello', n_predict: 4000, ignore_eos: true, stream: true }),
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type'), /text\/event-stream/);
    const reader = res.body.getReader();
    let text = '';
    while (!text.includes('\n\n')) {
      const { value, done } = await reader.read();
      assert.ok(!done, 'the stream ended before its first event');
      text += Buffer.from(value).toString();
    }
    assert.match(text, /^data: \{/);
    // The first event is here while its request is still being answered: nothing was buffered.
    assert.equal((await models(router)).tiny.in_flight, 1);
    ctl.abort();
    const deadline = Date.now() + 30000;
    while ((await models(router)).tiny.in_flight !== 0 && Date.now() < deadline) await sleep(50);
    assert.equal((await models(router)).tiny.in_flight, 0);
    // The child was told too (its connection closed): its slot frees up long before 4000 tokens.
    let slots;
    for (const until = Date.now() + 30000; Date.now() < until; await sleep(50)) {
      slots = await router.get('/slots?model=tiny');
      if (slots.status === 200 && slots.body.every((slot) => !slot.is_processing)) break;
    }
    assert.ok(slots.body.every((slot) => !slot.is_processing), JSON.stringify(slots.body));
    const metrics = await router.get('/metrics?model=tiny');
    const generated = Number((/tokens_predicted_total\S* (\d+)/.exec(metrics.body) || [])[1]);
    assert.ok(generated < 4000, `the child went on generating: ${generated} tokens`);
  });

  test('a child killed mid-request: that request fails clearly, others serve, it reloads next time', async () => {
    assert.equal((await router.post('/v1/chat/completions', chat('small'))).status, 200);
    const pid = (await models(router)).tiny.pid;
    let killed = false;
    const res = await router.stream('/completion', { model: 'tiny', prompt: 'Hello', n_predict: 4000, ignore_eos: true }, {
      onEvent: (event, events) => {
        if (events.length === 1) {
          process.kill(pid, 'SIGKILL');
          killed = true;
        }
      },
    }).catch((e) => ({ error: e }));
    assert.ok(killed);
    // The stream ends with an error event (or, at worst, a cut connection), never with a clean stop.
    if (!res.error) {
      const last = res.events.at(-1);
      assert.ok(last.error, `last event ${JSON.stringify(last)}`);
      assert.equal(last.error.code, 503);
      assert.match(last.error.message, /tiny/);
    }
    const gone = await waitForState(router, 'tiny', 'unloaded');
    assert.match(gone.last_exit, /signal 9/);
    assert.equal((await models(router)).small.value, 'loaded');
    assert.equal((await router.post('/v1/chat/completions', chat('small'))).status, 200);
    const again = await router.post('/v1/chat/completions', chat('tiny'));
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const states = await models(router);
    assert.equal(states.tiny.value, 'loaded');
    assert.notEqual(states.tiny.pid, pid);
  });

  test('POST /models/load and /models/unload do what they say', async () => {
    assert.deepEqual((await router.post('/models/unload', { model: 'small' })).body, { success: true });
    assert.equal((await models(router)).small.value, 'unloaded');
    assertErrorShape(assert, await router.post('/models/unload', { model: 'small' }), 400, 'model');
    assert.deepEqual((await router.post('/models/load', { model: 'small' })).body, { success: true });
    assert.equal((await models(router)).small.value, 'loaded');
    assertErrorShape(assert, await router.post('/models/load', { model: 'nope' }), 404, 'model');
    assertErrorShape(assert, await router.post('/models/load', {}), 400, 'model');
    assertErrorShape(assert, await router.post('/models/load', { model: 'broken' }), 503, 'model');
  });

  test('/metrics has a series per model, and ?model= gives that child\'s own', async () => {
    const text = (await router.get('/metrics')).body;
    assert.match(text, /cria_router_model_loaded\{model="tiny"\} 1/);
    assert.match(text, /cria_router_model_failed\{model="broken"\} 1/);
    assert.match(text, /cria_router_model_crashes_total\{model="tiny"\} 1/);
    const own = await router.get('/metrics?model=tiny');
    assert.equal(own.status, 200);
    assert.doesNotMatch(own.body, /cria_router_/);
    assert.match(own.body, /tokens/);
  });

  test('/v1/models through the official openai client', async () => {
    const client = new OpenAI({ baseURL: `${router.base}/v1`, apiKey: 'none', maxRetries: 0, timeout: 30000 });
    const ids = [];
    for await (const m of client.models.list()) {
      ids.push(m.id);
      assert.equal(m.object, 'model');
      assert.equal(typeof m.owned_by, 'string');
      assert.ok(['loaded', 'unloaded', 'failed', 'loading', 'sleeping'].includes(m.status.value));
    }
    assert.deepEqual(ids.sort(), ['broken', 'small', 'tiny']);
    const answer = await client.chat.completions.create(chat('small'));
    assert.equal(answer.model, 'small');
  });
});

describe('router: --models-max 1 unloads the least recently used model', () => {
  let dir;
  let router;
  before(async () => {
    dir = modelsDir();
    router = await startRouter(dir, ['--models-max', '1']);
  });
  after(async () => {
    await router?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('A then B: A is unloaded; A again: B is', async () => {
    assert.equal((await router.post('/v1/chat/completions', chat('tiny'))).status, 200);
    assert.equal((await models(router)).tiny.value, 'loaded');
    assert.equal((await router.post('/v1/chat/completions', chat('small'))).status, 200);
    let states = await models(router);
    assert.equal(states.small.value, 'loaded');
    assert.equal(states.tiny.value, 'unloaded');
    assert.equal((await router.post('/v1/chat/completions', chat('tiny'))).status, 200);
    states = await models(router);
    assert.equal(states.tiny.value, 'loaded');
    assert.equal(states.small.value, 'unloaded');
  });
});

describe('router: --no-models-autoload and --sleep-idle-seconds', () => {
  let dir;
  let router;
  before(async () => {
    dir = modelsDir();
    router = await startRouter(dir, ['--no-models-autoload', '--sleep-idle-seconds', '1']);
  });
  after(async () => {
    await router?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('without autoload a request to an unloaded model is refused until it is loaded', async () => {
    const res = await router.post('/v1/chat/completions', chat('tiny'));
    assertErrorShape(assert, res, 400, 'model');
    assert.match(res.body.error.message, /models\/load/);
    assert.equal((await router.post('/models/load', { model: 'tiny' })).status, 200);
    assert.equal((await router.post('/v1/chat/completions', chat('tiny'))).status, 200);
  });

  test('an idle model sleeps, and the next request wakes it', async () => {
    const asleep = await waitForState(router, 'tiny', 'sleeping');
    assert.equal(asleep.sleeping, true);
    assert.equal(asleep.pid, undefined);
    const props = await router.get('/props?model=tiny');
    assert.equal(props.body.is_sleeping, true);
    assert.equal((await models(router)).tiny.value, 'sleeping');  // asking /props did not wake it
    const res = await router.post('/v1/chat/completions', chat('tiny'));
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((await models(router)).tiny.value, 'loaded');
  });
});

describe('single-model mode: --sleep-idle-seconds', () => {
  let cria;
  before(async () => { cria = await startCria(['--sleep-idle-seconds', '1', '-c', '512', ...THREADS]); });
  after(async () => { await cria?.stop(); });

  test('the model sleeps when idle, /health stays 200, the next request reloads it', async () => {
    const first = await cria.post('/completion', { prompt: 'Hello', n_predict: 3, temperature: 0 });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal((await cria.get('/props')).body.is_sleeping, false);
    // Three pollers ask /props back to back, so some ask while the child is exiting to sleep:
    // such a look must neither wake the model nor wait for it (it once waited, then reloaded it,
    // and a poller kept the model awake for good).
    const deadline = Date.now() + 30000;
    let props;
    const poll = async () => {
      while (Date.now() < deadline && !props?.is_sleeping) {
        const body = (await cria.get('/props')).body;
        if (!props?.is_sleeping) props = body;
      }
    };
    await Promise.all([poll(), poll(), poll()]);
    assert.equal(props.is_sleeping, true, JSON.stringify(props));
    // Asked again after it slept, it still sleeps: no look woke it.
    await sleep(300);
    assert.equal((await cria.get('/props')).body.is_sleeping, true);
    const health = await cria.get('/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    // Whatever "model" a client sends, the one model answers, the same as before it slept.
    const again = await cria.post('/completion', { model: 'anything', prompt: 'Hello', n_predict: 3, temperature: 0 });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.content, first.body.content);
    assert.equal((await cria.get('/props')).body.is_sleeping, false);
  });
});

describe('router: the web UI picks the model', () => {
  let dir;
  let router;
  let browser;
  before(async () => {
    dir = modelsDir();
    const { launchChromium } = await import('./lib/browser.mjs');
    [router, browser] = await Promise.all([startRouter(dir), launchChromium()]);
  });
  after(async () => {
    await browser?.close();
    await router?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('the picker lists /v1/models and each request names the chosen model', async () => {
    const wait = { timeout: 30000 };
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const page = await context.newPage();
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(router.url('/'));
      const picker = page.getByTestId('model-picker');
      await picker.waitFor(wait);
      const options = await picker.locator('option').evaluateAll((os) => os.map((o) => o.value));
      assert.deepEqual(options.sort(), ['broken', 'small', 'tiny']);
      await picker.selectOption('small');
      await page.getByTestId('composer-input').and(page.locator(':not([disabled])')).waitFor(wait);
      const request = page.waitForRequest((r) => r.url().endsWith('/v1/chat/completions'), wait);
      await page.getByTestId('composer-input').fill('Hello there');
      await page.getByTestId('composer-input').press('Enter');
      assert.equal((await request).postDataJSON().model, 'small');
      // The reply streams in from the chosen model (the page's default length is unlimited: closing
      // the page ends it).
      await page.waitForFunction(() => {
        const reply = document.querySelector('[data-testid=message-assistant]');
        return reply && reply.textContent.trim().length > 0;
      }, null, wait);
      assert.equal((await models(router)).small.value, 'loaded');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});

describe('router: --models-preset', () => {
  let dir;
  let router;
  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-router-preset-'));
    fs.symlinkSync(TINY_MODEL, path.join(dir, 'tiny.gguf'));
    fs.writeFileSync(path.join(dir, 'models.ini'), [
      'version = 1', '[*]', 'ctx-size = 512', 'threads = 1', 'threads-batch = 1',
      '[extra]', `model = ${SMALL_MODEL}`, 'load-on-startup = true', 'temp = 0.25', '',
    ].join('\n'));
    router = await startCria(['--models-dir', dir, '--models-preset', path.join(dir, 'models.ini')], { model: null });
  });
  after(async () => {
    await router?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a preset section adds a model, [*] reaches every model, load-on-startup loads it', async () => {
    const extra = await waitForState(router, 'extra', 'loaded');
    assert.ok(extra.args.join(' ').includes('--ctx-size 512'), extra.args.join(' '));
    assert.equal((await models(router)).tiny.value, 'unloaded');
    const props = await router.get('/props?model=extra');
    assert.equal(props.body.default_generation_settings.temperature, 0.25);
    assert.equal(props.body.default_generation_settings.n_ctx, 512);
  });

  test('a preset with an unknown key stops the router at start-up, naming section and key', async () => {
    const bad = path.join(dir, 'bad.ini');
    fs.writeFileSync(bad, '[tiny]\nno-such-option = 1\n');
    const { runCria } = await import('./lib/cria.mjs');
    const out = await runCria(['--models-preset', bad, '--port', '1']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /\[tiny\].*no-such-option/);
  });
});
