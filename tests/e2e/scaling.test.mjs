// The scaling example (examples/haproxy/haproxy.cfg, docs/scaling.md) as it is shipped: two cria
// replicas and HAProxy on loopback ports. Checks that HAProxy admits replicas by /health, that the
// turns of one conversation (same first bytes of the body, or the same X-Session-Id) always reach
// the same replica, as each replica's own /metrics confirms, that conversations spread over both
// replicas, and that when a replica stops its conversations move to the other one.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT, startCria, freePort, sleep } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

const CONFIG = path.join(ROOT, 'examples/haproxy/haproxy.cfg');
const haveHaproxy = spawnSync('haproxy', ['-v']).status === 0;

let replicas = [];
let haproxy = null;
let haproxyLog = '';
let lb;

// The replica names in the config, in the order of the `server` lines.
const NAMES = ['cria1', 'cria2'];

async function chat(messages, headers = {}) {
  const res = await fetch(`${lb}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify({ messages, max_tokens: 2, temperature: 0 }),
  });
  const body = await res.text();
  return { status: res.status, servedBy: res.headers.get('x-served-by'), body };
}

async function requestsTotal(replica) {
  const text = (await replica.get('/metrics')).body;
  const line = String(text).split('\n').find((l) => l.startsWith('llamacpp:requests_total'));
  return line ? Number(line.split(' ').pop()) : NaN;
}

// A conversation: its own system prompt (longer than the 256 bytes HAProxy hashes), then turns.
function conversation(id) {
  const system = `You are assistant number ${id}. ` + 'Answer briefly and politely, and stay on topic. '.repeat(6);
  return [{ role: 'system', content: system }, { role: 'user', content: `hello from conversation ${id}` }];
}

before(async () => {
  if (!haveHaproxy) return;
  replicas = [await startCria(['-np', '2', '--metrics', ...THREADS]), await startCria(['-np', '2', '--metrics', ...THREADS])];
  const port = await freePort();
  lb = `http://127.0.0.1:${port}`;
  haproxy = spawn('haproxy', ['-db', '-f', CONFIG], {
    env: { ...process.env, CRIA_LB_BIND: `127.0.0.1:${port}`, CRIA_1: `127.0.0.1:${replicas[0].port}`,
      CRIA_2: `127.0.0.1:${replicas[1].port}` },
  });
  haproxy.stdout.on('data', (d) => { haproxyLog += d; });
  haproxy.stderr.on('data', (d) => { haproxyLog += d; });
  // Both replicas in the pool: a request reaches each (checked by session ids until both seen).
  const seen = new Set();
  for (let i = 0; i < 400 && seen.size < 2; ++i) {
    try {
      const r = await chat([{ role: 'user', content: 'hi' }], { 'X-Session-Id': `warm-${i}` });
      if (r.status === 200) seen.add(r.servedBy);
    } catch { /* not listening yet */ }
    if (seen.size < 2) await sleep(25);
  }
  assert.equal(seen.size, 2, `HAProxy never used both replicas:\n${haproxyLog}`);
});

after(async () => {
  haproxy?.kill('SIGKILL');
  for (const r of replicas) await r.stop();
});

describe('cria replicas behind HAProxy (examples/haproxy)', { skip: haveHaproxy ? false : 'haproxy is not installed (scripts/install-deps installs it)' }, () => {
  test('the example configuration is valid', () => {
    const r = spawnSync('haproxy', ['-c', '-f', CONFIG], {
      env: { ...process.env, CRIA_LB_BIND: '127.0.0.1:1', CRIA_1: '127.0.0.1:2', CRIA_2: '127.0.0.1:3' }, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
  });

  const placement = new Map();  // conversation id -> replica name

  test('every turn of a conversation reaches one replica, and conversations spread', async () => {
    const before = await Promise.all(replicas.map(requestsTotal));
    const served = [0, 0];
    for (let id = 0; id < 16; ++id) {
      const messages = conversation(id);
      for (let turn = 0; turn < 3; ++turn) {
        const r = await chat(messages);
        assert.equal(r.status, 200, r.body);
        if (turn === 0) placement.set(id, r.servedBy);
        assert.equal(r.servedBy, placement.get(id), `conversation ${id} moved at turn ${turn}`);
        served[NAMES.indexOf(r.servedBy)] += 1;
        messages.push({ role: 'assistant', content: JSON.parse(r.body).choices[0].message.content || 'ok' });
        messages.push({ role: 'user', content: `and turn ${turn + 1}?` });
      }
    }
    const after = await Promise.all(replicas.map(requestsTotal));
    // Each replica's own count agrees with what HAProxy said it served.
    assert.deepEqual(after.map((n, i) => n - before[i]), served);
    assert.ok(served[0] > 0 && served[1] > 0, `all conversations went to one replica: ${served}`);
  });

  test('a session id keeps short requests together', async () => {
    const first = await chat([{ role: 'user', content: 'a' }], { 'X-Session-Id': 'user-42' });
    for (const content of ['b', 'something else entirely', 'c']) {
      const r = await chat([{ role: 'user', content }], { 'X-Session-Id': 'user-42' });
      assert.equal(r.servedBy, first.servedBy);
    }
  });

  test('a request shorter than the hashed bytes is hashed whole', async () => {
    const first = await chat([{ role: 'user', content: 'short' }]);
    for (let i = 0; i < 4; ++i) assert.equal((await chat([{ role: 'user', content: 'short' }])).servedBy, first.servedBy);
  });

  test('when a replica stops, its conversations go to the other one', async () => {
    const stopped = NAMES.indexOf(placement.get(0));
    await replicas[stopped].stop();
    // Every request succeeds at once: a refused connection is redispatched to the other replica
    // (and after two failed health checks the stopped one leaves the pool).
    for (let id = 0; id < 16; ++id) {
      const again = await chat(conversation(id));
      assert.equal(again.status, 200, again.body);
      assert.equal(again.servedBy, NAMES[1 - stopped]);
    }
  });
});
