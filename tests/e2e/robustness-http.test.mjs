// The HTTP edge under hostile requests (issue #12): deeply nested JSON, client JSON of the wrong
// shape, bodies whatever their Content-Type or size, and idle connections held open. Each case
// answers in the route's error shape and the server keeps serving.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startCria, assertErrorShape } from './lib/cria.mjs';
import { assertStillServing, rawRequest } from './lib/misc-helpers.mjs';

const ok = { prompt: 'Hello', n_predict: 2, temperature: 0 };

// `depth` arrays nested in one another: "[[[...]]]".
const nested = (depth) => '['.repeat(depth) + ']'.repeat(depth);

function assertTooDeep(res, limit = 100) {
  assertErrorShape(assert, res, 400);
  assert.equal(res.body.error.type, 'invalid_request_error');
  assert.match(res.body.error.message, new RegExp(`nests deeper than ${limit} levels`));
}

// Opens `count` loopback connections that send nothing. Resolves once all are connected; each
// socket's `closedByServer` becomes true when the server ends it.
async function openIdleSockets(port, count) {
  const sockets = [];
  await Promise.all(Array.from({ length: count }, () => new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.closedByServer = false;
    socket.gone = new Promise((done) => socket.on('close', done));
    socket.on('end', () => { socket.closedByServer = true; });
    socket.on('error', () => {}); // a reset after the server closed it is fine
    socket.resume(); // read, so that the server's FIN is seen ('end')
    socket.once('connect', resolve);
    socket.once('error', reject);
    sockets.push(socket);
  })));
  return sockets;
}

describe('a server with the default limits', () => {
  let cria;
  // --http-idle-timeout 30: the idle sockets below are certainly still held while the real
  // requests are answered.
  before(async () => { cria = await startCria(['-c', '256', '-np', '2', '--http-idle-timeout', '30']); });
  after(async () => { await cria?.stop(); });

  test('a chat message with 100,000 nested [ in an extra field -> 400 naming the body, and the server keeps serving', async () => {
    const body = `{"messages": [{"role": "user", "content": "Hi", "extra": ${nested(100000)}}], "max_tokens": 2}`;
    assert.ok(body.length > 200000);
    assertTooDeep(await cria.post('/v1/chat/completions', body));
    await assertStillServing(assert, cria, 'after a deeply nested chat body');
    const chat = await cria.post('/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 2 });
    assert.equal(chat.status, 200, JSON.stringify(chat.body));
  });

  for (const route of ['/completion', '/v1/completions', '/v1/embeddings', '/tokenize', '/apply-template', '/lora-adapters']) {
    test(`${route}: a body nested 100,000 deep -> 400 before the route reads it`, async () => {
      assertTooDeep(await cria.post(route, `{"prompt": "x", "input": "x", "content": "x", "x": ${nested(100000)}}`));
      await assertStillServing(assert, cria, `after a deeply nested ${route} body`);
    });
  }

  test('a body nested exactly 100 levels is accepted; 101 is not', async () => {
    const at = await cria.post('/completion', `{"prompt": "Hello", "n_predict": 2, "temperature": 0, "x": ${nested(99)}}`);
    assert.equal(at.status, 200, JSON.stringify(at.body));
    assertTooDeep(await cria.post('/completion', `{"prompt": "Hello", "n_predict": 2, "x": ${nested(100)}}`));
  });

  test('brackets inside strings do not count as nesting', async () => {
    const res = await cria.post('/completion', { ...ok, x: '['.repeat(1000) + '{'.repeat(1000) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  });

  test('"tools": [{"type": 5}] -> 400 naming tools[0].type, no raw library text', async () => {
    const res = await cria.post('/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], tools: [{ type: 5 }] });
    assertErrorShape(assert, res, 400, 'tools');
    assert.match(res.body.error.message, /tools\[0\]\.type/);
    assert.doesNotMatch(res.body.error.message, /json\.exception/);
    await assertStillServing(assert, cria);
  });

  for (const [name, toolChoice] of [['a number', 5], ['an object with a numeric type', { type: 5, function: { name: 'f' } }]]) {
    test(`tool_choice as ${name} -> 400 naming tool_choice`, async () => {
      const tools = [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }];
      const res = await cria.post('/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], tools, tool_choice: toolChoice });
      assertErrorShape(assert, res, 400, 'tool_choice');
    });
  }

  // Node's fetch labels a string body text/plain; curl -d labels it application/x-www-form-urlencoded.
  const padded = JSON.stringify({ ...ok, pad: 'a'.repeat(10 * 1024) });
  for (const type of ['text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=xyz', 'application/octet-stream']) {
    test(`a 10 KiB JSON body sent as ${type} is read and answered as JSON`, async () => {
      const res = await cria.post('/completion', padded, { 'Content-Type': type });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.stop, true);
      assert.ok(res.body.tokens.length >= 1);
    });
  }

  test('a body over the 32 MiB limit (as text/plain) -> 413 saying the real limit', async () => {
    const size = (32 << 20) + 1024;
    const body = Buffer.alloc(size, 0x61);
    body.write('{"prompt": "', 0);
    body.write('", "n_predict": 1}', size - 18);
    const res = await rawRequest(cria.port, { body, headers: { 'Content-Type': 'text/plain' } });
    assert.equal(res.error, null, `connection failed before any response: ${res.error?.code} ${res.error?.message}`);
    assertErrorShape(assert, res, 413);
    assert.match(res.body.error.message, /32 MiB \(33554432 bytes\)/);
    await assertStillServing(assert, cria, 'after an over-long body');
  });

  test('128 idle connections held open: /health and /completion are answered while all of them are held', async () => {
    const sockets = await openIdleSockets(cria.port, 128);
    try {
      const health = await cria.get('/health');
      assert.equal(health.status, 200, JSON.stringify(health.body));
      const completion = await cria.post('/completion', ok);
      assert.equal(completion.status, 200, JSON.stringify(completion.body));
      const closed = sockets.filter((s) => s.closedByServer || s.destroyed).length;
      assert.equal(closed, 0, `${closed} idle connections were closed before the real requests were answered`);
    } finally {
      for (const s of sockets) s.destroy();
    }
    await assertStillServing(assert, cria, 'after the idle connections');
  });
});

describe('a server with --http-idle-timeout 1 --max-json-depth 8', () => {
  let cria;
  before(async () => { cria = await startCria(['-c', '256', '--http-idle-timeout', '1', '--max-json-depth', '8']); });
  after(async () => { await cria?.stop(); });

  test('connections that send nothing are closed by the server after the idle timeout', { timeout: 30000 }, async () => {
    const sockets = await openIdleSockets(cria.port, 16);
    try {
      // Bounded: the test's own timeout fails it if the server never closes them.
      await Promise.all(sockets.map((s) => s.gone));
      assert.equal(sockets.filter((s) => s.closedByServer).length, 16);
    } finally {
      for (const s of sockets) s.destroy();
    }
    await assertStillServing(assert, cria, 'after the idle connections were closed');
  });

  test('--max-json-depth sets the limit', async () => {
    const at = await cria.post('/completion', `{"prompt": "Hello", "n_predict": 2, "x": ${nested(7)}}`);
    assert.equal(at.status, 200, JSON.stringify(at.body));
    assertTooDeep(await cria.post('/completion', `{"prompt": "Hello", "n_predict": 2, "x": ${nested(8)}}`), 8);
  });
});
