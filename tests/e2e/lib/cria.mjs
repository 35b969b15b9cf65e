// Test harness: starts the real cria binary on a free loopback port and talks HTTP to it.
// Every wait is bounded; every server started is stopped by stop() (call it in an `after` hook).
import { spawn, execFileSync } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
// The build tree whose binaries the tests run: build/ unless CRIA_BUILD_DIR names another (the
// sanitizer builds of scripts/test --sanitize).
export const BUILD_DIR = path.resolve(ROOT, process.env.CRIA_BUILD_DIR || 'build');
export const CRIA = path.join(BUILD_DIR, 'cria');
export const REFERENCE_DECODE = path.join(BUILD_DIR, 'reference-decode');
export const MAKE_MODEL = path.join(BUILD_DIR, 'make-model');
export const MODELS = path.join(ROOT, 'models');
export const TINY_MODEL = path.join(MODELS, 'tiny.gguf');
export const SMALL_MODEL = path.join(MODELS, 'small.gguf');

// Every request a test makes is bounded, so a connection the server never answers fails that test
// instead of holding the whole suite until CI's limit.
const REQUEST_TIMEOUT_MS = 120000;
const STREAM_TIMEOUT_MS = 300000;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A port that was free a moment ago on 127.0.0.1.
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

export class CriaServer {
  constructor(proc, port, log) {
    this.proc = proc;
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.log = log;
    this.exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  }

  url(p) { return this.base + p; }

  async get(p, headers = {}) {
    const res = await fetch(this.url(p), { headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return { status: res.status, headers: res.headers, body: await parseBody(res) };
  }

  // POST a JSON value (or a raw string / Buffer as-is).
  async post(p, body, headers = {}) {
    const raw = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const res = await fetch(this.url(p), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: raw,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: res.status, headers: res.headers, body: await parseBody(res) };
  }

  // POST with stream: true; returns the parsed `data:` events in order.
  async stream(p, body, { signal, onEvent } = {}) {
    const res = await fetch(this.url(p), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...body, stream: true }),
      signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(STREAM_TIMEOUT_MS)]) : AbortSignal.timeout(STREAM_TIMEOUT_MS),
    });
    if (!res.ok) return { status: res.status, events: [], body: await parseBody(res) };
    const events = [];
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const bytes of res.body) {
      buffer += decoder.decode(bytes, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        for (const line of frame.split('\n')) {
          if (!line.startsWith('data: ')) continue;
          const payload = line.slice(6);
          if (payload === '[DONE]') continue;
          const event = JSON.parse(payload);
          events.push(event);
          if (onEvent) onEvent(event, events);
        }
      }
    }
    return { status: res.status, events };
  }

  async stop() {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
      await this.exited;
      clearTimeout(timer);
    }
  }
}

async function parseBody(res) {
  const text = await res.text();
  try { return JSON.parse(text); } catch { return text; }
}

// Starts cria with `args` (model defaults to the tiny test model) and waits until /health is 200.
// Options: { model (null: no -m, e.g. with -mu), waitReady = true, timeoutMs = 30000, env,
// healthPath = '/health' (e.g. '/llm/health' with --api-prefix /llm) }
export async function startCria(args = [], { model = TINY_MODEL, waitReady = true, timeoutMs = 30000, env = {},
  healthPath = '/health' } = {}) {
  const port = await freePort();
  const fullArgs = [...(model === null ? [] : ['-m', model]), '--host', '127.0.0.1', '--port', String(port), ...args];
  const proc = spawn(CRIA, fullArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const server = new CriaServer(proc, port, () => log);
  if (waitReady) await waitForHealth(server, 200, timeoutMs, healthPath);
  return server;
}

// For files that start several servers: `start(args)` starts cria with `base` before `args`, and
// `stopAll()` (given to node:test's after) stops every one it started.
export function criaPool(base = []) {
  const servers = [];
  return {
    start: async (args = [], options) => {
      const server = await startCria([...base, ...args], options);
      servers.push(server);
      return server;
    },
    stopAll: async () => { for (const server of servers.splice(0)) await server.stop(); },
  };
}

// Polls /health until it answers `status`; throws (with the server's log) after timeoutMs.
export async function waitForHealth(server, status = 200, timeoutMs = 30000, healthPath = '/health') {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.proc.exitCode !== null) throw new Error(`cria exited early:\n${server.log()}`);
    try {
      const res = await fetch(server.url(healthPath), { signal: AbortSignal.timeout(Math.max(1000, deadline - Date.now())) });
      if (res.status === status) return;
    } catch { /* not listening yet */ }
    await sleep(20);
  }
  throw new Error(`cria /health never answered ${status} within ${timeoutMs} ms:\n${server.log()}`);
}

// Runs build/reference-decode (plain single-sequence greedy loop) and returns its JSON.
export function referenceDecode(model, prompt, nPredict, extra = []) {
  const out = execFileSync(REFERENCE_DECODE, ['-m', model, '-p', prompt, '-n', String(nPredict), ...extra], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop());
}

// Runs cria to completion with `args` (for option-parsing tests); returns { code, stdout, stderr }.
// Resolves on 'close' (the output read to its end), not 'exit', which may come before a long
// stdout (--print-options's JSON) has been read.
export function runCria(args, { env = {}, timeoutMs = 10000 } = {}) {
  return new Promise((resolve) => {
    const proc = spawn(CRIA, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); });
  });
}

// The OpenAI error shape every 4xx/5xx must have.
export function assertErrorShape(assert, res, status, param) {
  assert.equal(res.status, status, `expected HTTP ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body, 'object', `error body is not JSON: ${res.body}`);
  assert.ok(res.body.error, `no "error" object in ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error.code, status);
  assert.equal(typeof res.body.error.message, 'string');
  assert.ok(res.body.error.message.length > 0);
  assert.equal(typeof res.body.error.type, 'string');
  if (param !== undefined) {
    assert.equal(res.body.error.param, param, `error should name '${param}': ${JSON.stringify(res.body)}`);
    assert.ok(res.body.error.message.includes(param), `message should name '${param}': ${res.body.error.message}`);
  }
}
