// Helpers shared by the errors / health / tokenize / options end-to-end tests.
// Every loop here is bounded in count and in time.
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { MAKE_MODEL, sleep } from './cria.mjs';

// A small valid greedy completion; asserts the server still serves after whatever came before.
export async function assertStillServing(assert, server, note = '') {
  const res = await server.post('/completion', { prompt: 'Hello', n_predict: 2, temperature: 0 });
  assert.equal(res.status, 200, `server stopped serving ${note}: ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body.content, 'string');
  assert.equal(res.body.stop, true);
  assert.ok(Array.isArray(res.body.tokens) && res.body.tokens.length >= 1 && res.body.tokens.length <= 2);
}

// One HTTP request through node:http, so that the body can be sent with Content-Length or chunked
// and so that a connection reset is visible. Resolves (never rejects) with
// { status, headers, body, raw, bytes, error, requestError } where `error` is the socket error seen before
// any response and `requestError` one seen after it (e.g. EPIPE while the body was still being sent).
export function rawRequest(port, { method = 'POST', path: p = '/completion', headers = {}, body, chunkSize = 0,
  timeoutMs = 60000 } = {}) {
  return new Promise((resolve) => {
    const out = { status: null, headers: null, body: null, raw: '', bytes: null, error: null, requestError: null };
    let settled = false;
    const finish = () => { if (!settled) { settled = true; clearTimeout(timer); resolve(out); } };
    const timer = setTimeout(() => { out.error = out.error ?? new Error(`no answer within ${timeoutMs} ms`); req.destroy(); finish(); }, timeoutMs);
    const hdrs = { 'Content-Type': 'application/json', ...headers };
    if (body !== undefined && !chunkSize) hdrs['Content-Length'] = String(body.length);
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers: hdrs }, (res) => {
      out.status = res.statusCode;
      out.headers = res.headers;
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (e) => { out.requestError = e; });
      res.on('end', () => {
        out.bytes = Buffer.concat(chunks);
        out.raw = out.bytes.toString('utf8');
        try { out.body = JSON.parse(out.raw); } catch { out.body = out.raw; }
        finish();
      });
      res.on('close', () => setTimeout(finish, 50));
    });
    req.on('error', (e) => {
      if (out.status === null) { out.error = e; finish(); } else { out.requestError = e; }
    });
    if (body === undefined) {
      req.end();
    } else if (chunkSize) {
      let sent = 0;
      const writeMore = () => {
        while (sent < body.length) {
          const piece = body.subarray(sent, sent + chunkSize);
          sent += piece.length;
          if (!req.write(piece)) { req.once('drain', writeMore); return; }
        }
        req.end();
      };
      writeMore();
    } else {
      req.end(body);
    }
  });
}

// Starts a streaming completion and resolves once its first `data:` event has arrived, i.e. once a
// slot is certainly busy with it. Returns { first, abort(), done } where `done` settles when the
// stream ends or is aborted.
export async function startLongStream(server, body, { timeoutMs = 60000 } = {}) {
  const controller = new AbortController();
  const res = await fetch(server.url('/completion'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...body, stream: true }),
    signal: controller.signal,
  });
  if (res.status !== 200) throw new Error(`stream answered ${res.status}: ${await res.text()}`);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let first = null;
  const deadline = Date.now() + timeoutMs;
  while (first === null && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    const cut = buffer.indexOf('\n\n');
    if (cut >= 0) {
      const line = buffer.slice(0, cut).split('\n').find((l) => l.startsWith('data: '));
      if (line) first = JSON.parse(line.slice(6));
    }
  }
  if (first === null) { controller.abort(); throw new Error('the stream sent no event'); }
  // Keep draining in the background so the server is never blocked on a full socket.
  const done = (async () => {
    try { for (;;) { const { done: end } = await reader.read(); if (end) return; } } catch { /* aborted */ }
  })();
  return { first, abort: () => controller.abort(), done };
}

// Polls GET `p` until `predicate(res)` holds; bounded by `timeoutMs` and `maxPolls`.
export async function pollUntil(server, p, predicate, { timeoutMs = 30000, maxPolls = 3000, intervalMs = 10 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (let i = 0; i < maxPolls && Date.now() < deadline; i++) {
    try {
      last = await server.get(p);
      if (predicate(last)) return last;
    } catch (e) { last = e; }
    await sleep(intervalMs);
  }
  throw new Error(`GET ${p} never met the condition; last answer: ${JSON.stringify(last?.body ?? String(last))}`);
}

// A new temporary directory, removed by the returned cleanup function.
export function makeTempDir(prefix = 'cria-e2e-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

// Runs build/make-model; returns its stdout.
export function makeModel(out, args = []) {
  return execFileSync(MAKE_MODEL, ['--out', out, ...args], { encoding: 'utf8', timeout: 120000 });
}

// Listens on a free loopback port with a plain TCP server; returns { port, close() }.
export function occupyPort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer((sock) => sock.destroy());
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      resolve({ port: srv.address().port, close: () => new Promise((r) => srv.close(() => r())) });
    });
  });
}
