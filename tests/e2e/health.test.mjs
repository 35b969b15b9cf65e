// GET /health (ok / no slot available / loading model), ?include_slots, ?fail_on_no_slot, GET /slots,
// --no-slots, and start-up failures.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startCria, runCria, freePort, assertErrorShape, TINY_MODEL, SMALL_MODEL } from './lib/cria.mjs';
import { startLongStream, pollUntil, makeTempDir, makeModel } from './lib/misc-helpers.mjs';

function assertSlotList(slots, n) {
  assert.ok(Array.isArray(slots), `slots is not an array: ${JSON.stringify(slots)}`);
  assert.equal(slots.length, n);
  slots.forEach((s, i) => {
    assert.equal(s.id, i);
    assert.equal(typeof s.is_processing, 'boolean');
    assert.equal(typeof s.n_ctx, 'number');
  });
}

describe('an idle server with 3 slots', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '3']); });
  after(async () => { await cria?.stop(); });

  test('/health is 200 {"status":"ok","slots_idle":3,"slots_processing":0}', async () => {
    const res = await cria.get('/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok', slots_idle: 3, slots_processing: 0 });
    assert.match(res.headers.get('content-type'), /application\/json/);
  });

  test('/v1/health answers the same', async () => {
    const res = await cria.get('/v1/health');
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'ok', slots_idle: 3, slots_processing: 0 });
  });

  test('?fail_on_no_slot=1 is still 200 while a slot is idle', async () => {
    const res = await cria.get('/health?fail_on_no_slot=1');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
  });

  test('?include_slots adds a "slots" array; without it there is none', async () => {
    for (const query of ['?include_slots', '?include_slots=1']) {
      const res = await cria.get(`/health${query}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.status, 'ok');
      assertSlotList(res.body.slots, 3);
      assert.ok(res.body.slots.every((s) => s.is_processing === false));
    }
    assert.ok(!('slots' in (await cria.get('/health')).body));
  });

  test('GET /slots lists every slot, all idle', async () => {
    const res = await cria.get('/slots');
    assert.equal(res.status, 200);
    assertSlotList(res.body, 3);
    assert.ok(res.body.every((s) => s.is_processing === false));
  });
});

describe('a busy server with 1 slot', () => {
  let cria;
  let stream;
  before(async () => {
    // The small model is slow enough that 3000 tokens take a while even on a fast machine; the
    // stream is aborted as soon as the checks are done.
    cria = await startCria(['-np', '1', '-c', '4096'], { model: SMALL_MODEL });
    stream = await startLongStream(cria, { prompt: 'Once upon a time', n_predict: 3000, ignore_eos: true });
  });
  after(async () => {
    stream?.abort();
    await cria?.stop();
  });

  test('/health is 200 "no slot available" with slots_idle 0, slots_processing 1', async () => {
    // The slot status is published at the end of each engine step, so the first streamed token
    // can reach the client a moment before /health shows the slot busy: wait for that (bounded).
    const res = await pollUntil(cria, '/health', (r) => r.body?.slots_processing === 1, { timeoutMs: 10000 });
    assert.equal(res.status, 200);
    assert.deepEqual(res.body, { status: 'no slot available', slots_idle: 0, slots_processing: 1 });
  });

  test('/health?fail_on_no_slot=1 is 503 with the same body', async () => {
    const res = await cria.get('/health?fail_on_no_slot=1');
    assert.equal(res.status, 503);
    assert.deepEqual(res.body, { status: 'no slot available', slots_idle: 0, slots_processing: 1 });
  });

  test('?include_slots and /slots show the slot processing', async () => {
    const health = await cria.get('/health?include_slots=1');
    assert.equal(health.status, 200);
    assertSlotList(health.body.slots, 1);
    assert.equal(health.body.slots[0].is_processing, true);
    const slots = await cria.get('/slots');
    assert.equal(slots.status, 200);
    assertSlotList(slots.body, 1);
    assert.equal(slots.body[0].is_processing, true);
  });

  // Regression: the slot status must be published even when the step that frees it decodes nothing.
  test('once the streaming client goes away, /health reports the slot idle again', async () => {
    stream.abort();
    await stream.done;
    const res = await pollUntil(cria, '/health', (r) => r.status === 200 && r.body.slots_idle === 1,
      { timeoutMs: 10000 });
    assert.deepEqual(res.body, { status: 'ok', slots_idle: 1, slots_processing: 0 });
    assert.equal((await cria.get('/health?fail_on_no_slot=1')).status, 200);
    const slots = await cria.get('/slots');
    assert.equal(slots.body[0].is_processing, false);
  });

  test('the slot of a disconnected stream is free for the next request', async () => {
    stream.abort();
    await stream.done;
    const res = await cria.post('/completion', { prompt: 'Hello', n_predict: 2, temperature: 0 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const health = await pollUntil(cria, '/health', (r) => r.status === 200 && r.body.slots_idle === 1);
    assert.deepEqual(health.body, { status: 'ok', slots_idle: 1, slots_processing: 0 });
  });
});

describe('a server reading a long prompt', () => {
  let cria;
  before(async () => { cria = await startCria(['-np', '1', '-c', '4096'], { model: SMALL_MODEL }); });
  after(async () => { await cria?.stop(); });

  // Regression: the status is published right after admission, before the prompt is decoded.
  test('/health shows the slot processing while its prompt is being read', async () => {
    let finished = false;
    const request = cria.post('/completion', { prompt: ' word'.repeat(1500), n_predict: 1 })
      .then((res) => { finished = true; return res; });
    const seen = [];
    const deadline = Date.now() + 120000;
    for (let i = 0; i < 20000 && !finished && Date.now() < deadline; i++) {
      const res = await cria.get('/health');
      if (!finished) seen.push(res.body.slots_processing);
    }
    const res = await request;
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(seen.length > 0);
    assert.ok(seen.includes(1), `${seen.length} polls during the request, none saw slots_processing 1`);
  });
});

for (const flag of ['--no-slots', '--slots-endpoint-disable']) {
  describe(`a server started with ${flag}`, () => {
    let cria;
    before(async () => { cria = await startCria(['-np', '2', flag]); });
    after(async () => { await cria?.stop(); });

    test('/health?include_slots has no "slots" field', async () => {
      const res = await cria.get('/health?include_slots=1');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { status: 'ok', slots_idle: 2, slots_processing: 0 });
    });

    test('GET /slots is 501 not_supported_error', async () => {
      const res = await cria.get('/slots');
      assertErrorShape(assert, res, 501);
      assert.equal(res.body.error.type, 'not_supported_error');
    });
  });
}

describe('while the model loads', () => {
  let tmp;
  let bigModel;
  let cria;
  before(async () => {
    // ~820 MiB of f32 weights: read with --no-mmap this takes about 0.8 to 1 s to load on the
    // 2-core test machine (0.43 GiB took about 0.55 s), so the loading window is wide enough to hit.
    tmp = makeTempDir('cria-health-');
    bigModel = path.join(tmp.dir, 'big-f32.gguf');
    makeModel(bigModel, ['--type', 'f32', '--n-embd', '1024', '--n-layer', '16', '--n-head', '8', '--n-ff', '2816']);
  });
  after(async () => {
    await cria?.stop();
    tmp?.cleanup();
  });

  test('/health answers 503 {"status":"loading model"} before the first 200; model routes answer 503', async () => {
    cria = await startCria(['--no-mmap', '-c', '512', '-np', '1'], { model: bigModel, waitReady: false });
    const answers = [];
    let duringLoading = null;
    const deadline = Date.now() + 120000;
    for (let i = 0; i < 100000 && Date.now() < deadline; i++) {
      if (cria.proc.exitCode !== null) throw new Error(`cria exited:\n${cria.log()}`);
      let res;
      try {
        res = await cria.get('/health');
      } catch {
        continue; // not listening yet
      }
      answers.push({ status: res.status, body: res.body });
      if (res.status === 503 && duringLoading === null) {
        // Ask the model routes now, while /health still says the model is loading.
        duringLoading = await Promise.all([
          cria.post('/completion', { prompt: 'Hello', n_predict: 2 }),
          cria.post('/tokenize', { content: 'Hello' }),
          cria.get('/props'),
        ]);
      }
      if (res.status === 200) break;
    }
    const firstOk = answers.findIndex((a) => a.status === 200);
    assert.ok(firstOk >= 0, `never became ready: ${JSON.stringify(answers.slice(-3))}\n${cria.log()}`);
    assert.ok(firstOk >= 1, 'no "loading model" answer was seen before the first 200');
    for (const a of answers.slice(0, firstOk)) {
      assert.equal(a.status, 503);
      assert.deepEqual(a.body, { status: 'loading model' });
    }
    assert.deepEqual(answers[firstOk].body, { status: 'ok', slots_idle: 1, slots_processing: 0 });

    // Sent right after the first "loading model" answer, well inside the ~1 s loading window.
    const [completion, tokenize, props] = duringLoading;
    for (const res of [completion, tokenize, props]) {
      assertErrorShape(assert, res, 503);
      assert.equal(res.body.error.type, 'unavailable_error');
      assert.match(res.body.error.message, /loading/i);
    }

    const after = await cria.post('/completion', { prompt: 'Hello', n_predict: 2, temperature: 0 });
    assert.equal(after.status, 200, JSON.stringify(after.body));
  });
});

describe('start-up failures', () => {
  test('a model path that does not exist: exit status 1 and a message naming the file', async () => {
    const missing = path.join('/nonexistent-dir-for-cria-tests', 'no-such-model.gguf');
    const port = await freePort();
    const res = await runCria(['-m', missing, '--host', '127.0.0.1', '--port', String(port)], { timeoutMs: 30000 });
    assert.equal(res.code, 1, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
    assert.ok((res.stderr + res.stdout).includes(missing), `no message names ${missing}:\n${res.stderr}`);
  });

  test('a file that is not a GGUF model: exit status 1 and a message naming the file', async () => {
    const port = await freePort();
    const notAModel = path.resolve(TINY_MODEL, '../../CMakeLists.txt');
    const res = await runCria(['-m', notAModel, '--host', '127.0.0.1', '--port', String(port)], { timeoutMs: 30000 });
    assert.equal(res.code, 1, `stdout: ${res.stdout}\nstderr: ${res.stderr}`);
    assert.ok((res.stderr + res.stdout).includes(notAModel), `no message names ${notAModel}:\n${res.stderr}`);
  });
});
