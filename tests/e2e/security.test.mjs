// Security as a team running cria sees it: several API keys (options, file, both headers) that are
// never logged, HTTPS with a self-signed certificate, and CORS restricted to listed origins.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { startCria, runCria, freePort, sleep, assertErrorShape, CRIA, TINY_MODEL } from './lib/cria.mjs';
import { spawn } from 'node:child_process';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cria-security-'));

describe('several API keys', () => {
  const keys = ['key-one-1111', 'key-two-2222', 'key-three-3333', 'key-four-4444'];
  let cria;
  before(async () => {
    const file = path.join(tempDir(), 'keys.txt');
    fs.writeFileSync(file, `# team keys\n\n${keys[3]}\n`);
    cria = await startCria(['--api-key', `${keys[0]},${keys[1]}`, '--api-key', keys[2], '--api-key-file', file]);
  });
  after(async () => { await cria?.stop(); });

  const body = { prompt: 'Hello', n_predict: 1 };

  test('401 without a key and with a wrong one, 200 with each valid key', async () => {
    assertErrorShape(assert, await cria.post('/completion', body), 401);
    assertErrorShape(assert, await cria.post('/completion', body, { Authorization: 'Bearer key-five-5555' }), 401);
    assertErrorShape(assert, await cria.post('/completion', body, { 'X-Api-Key': 'key-one-111' }), 401);
    for (const key of keys) {
      const res = await cria.post('/completion', body, { Authorization: `Bearer ${key}` });
      assert.equal(res.status, 200, `${key}: ${JSON.stringify(res.body)}`);
      assert.equal((await cria.post('/completion', body, { 'X-Api-Key': key })).status, 200, key);
    }
    for (const route of ['/props', '/slots', '/v1/chat/completions', '/tokenize', '/embedding']) {
      const res = route === '/props' || route === '/slots' ? await cria.get(route) : await cria.post(route, {});
      assert.equal(res.status, 401, route);
      assert.equal(res.body.error.type, 'authentication_error', route);
    }
  });

  test('keys never appear in the log', async () => {
    await cria.post('/completion', body, { Authorization: `Bearer ${keys[1]}` });
    await cria.post('/completion', body, { Authorization: 'Bearer wrong-key-9999' });
    const log = cria.log();
    assert.match(log, /request method=POST route=\/completion status=401/);
    for (const secret of [...keys, 'wrong-key-9999']) assert.ok(!log.includes(secret), `${secret} was logged`);
  });
});

// GET over HTTPS trusting only `ca` (the self-signed certificate).
function httpsGet(port, route, ca) {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: route, ca, servername: 'localhost' }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
    });
    req.on('error', reject);
  });
}

function httpsPostJson(port, route, value, ca) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(value);
    const req = https.request({
      host: '127.0.0.1', port, path: route, method: 'POST', ca, servername: 'localhost',
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) },
    }, (res) => {
      let text = '';
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

describe('HTTPS with a self-signed certificate', () => {
  const dir = tempDir();
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  let proc;
  let port;
  let log = '';
  before(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert,
      '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    { stdio: 'ignore' });
    port = await freePort();
    proc = spawn(CRIA, ['-m', TINY_MODEL, '--host', '127.0.0.1', '--port', String(port), '-t', '1',
      '--ssl-key-file', key, '--ssl-cert-file', cert], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stderr.on('data', (d) => { log += d; });
    const ca = fs.readFileSync(cert);
    for (let i = 0; i < 500; i++) {
      try {
        if ((await httpsGet(port, '/health', ca)).status === 200) return;
      } catch { /* not up yet */ }
      await sleep(20);
    }
    throw new Error(`cria never answered over HTTPS:\n${log}`);
  });
  after(() => { proc?.kill('SIGTERM'); });

  test('a completion over HTTPS, verified against the certificate', async () => {
    const ca = fs.readFileSync(cert);
    const res = await httpsPostJson(port, '/completion', { prompt: 'Hello', n_predict: 2 }, ca);
    assert.equal(res.status, 200);
    assert.equal(res.body.tokens_predicted, 2);
    assert.match(log, /listening on https:\/\//);
  });

  test('plain HTTP on the HTTPS port gets no answer', async () => {
    await assert.rejects(fetch(`http://127.0.0.1:${port}/health`));
  });

  test('a missing or mismatched key exits 1 with a message naming the files', async () => {
    const other = path.join(dir, 'other-key.pem');
    execFileSync('openssl', ['genrsa', '-out', other, '2048'], { stdio: 'ignore' });
    for (const keyFile of [path.join(dir, 'absent.pem'), other]) {
      const res = await runCria(['-m', TINY_MODEL, '--host', '127.0.0.1', '--port', String(await freePort()),
        '--ssl-key-file', keyFile, '--ssl-cert-file', cert]);
      assert.equal(res.code, 1, res.stderr);
      assert.ok(res.stderr.includes('--ssl-key-file'), res.stderr);
    }
    const half = await runCria(['-m', TINY_MODEL, '--ssl-cert-file', cert]);
    assert.equal(half.code, 1);
    assert.match(half.stderr, /both --ssl-key-file and --ssl-cert-file/);
  });
});

describe('CORS', () => {
  test('by default any origin may call, with credentials, and preflights succeed', async () => {
    const cria = await startCria(['-t', '1']);
    try {
      const res = await fetch(cria.url('/props'), { headers: { Origin: 'http://page.example' } });
      assert.equal(res.headers.get('access-control-allow-origin'), 'http://page.example');
      assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
      const pre = await fetch(cria.url('/v1/chat/completions'), {
        method: 'OPTIONS',
        headers: { Origin: 'http://page.example', 'Access-Control-Request-Method': 'POST',
          'Access-Control-Request-Headers': 'authorization,content-type' },
      });
      assert.equal(pre.status, 200);
      assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
      assert.equal(pre.headers.get('access-control-allow-headers'), 'authorization,content-type');
    } finally {
      await cria.stop();
    }
  });

  test('--cors-origins lets only the listed origins call', async () => {
    const cria = await startCria(['-t', '1', '--cors-origins', 'https://app.example', '--no-cors-credentials',
      '--cors-methods', 'POST', '--api-key', 'k']);
    try {
      const listed = await fetch(cria.url('/health'), { headers: { Origin: 'https://app.example' } });
      assert.equal(listed.headers.get('access-control-allow-origin'), 'https://app.example');
      assert.equal(listed.headers.get('access-control-allow-credentials'), null);
      const other = await fetch(cria.url('/health'), { headers: { Origin: 'https://evil.example' } });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
      // Preflights need no key (browsers never send one) and name the allowed methods.
      const pre = await fetch(cria.url('/completion'), {
        method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'POST' },
      });
      assert.equal(pre.status, 200);
      assert.equal(pre.headers.get('access-control-allow-methods'), 'POST');
      const refused = await fetch(cria.url('/completion'), {
        method: 'OPTIONS', headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST' },
      });
      assert.equal(refused.status, 403);
      assert.equal(refused.headers.get('access-control-allow-origin'), null);
    } finally {
      await cria.stop();
    }
  });
});
