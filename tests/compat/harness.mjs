// The differential harness: the same requests sent to cria and to the installed llama-server
// (Debian llama.cpp-tools 0.7), both serving the same generated model with the same options.
// It compares what a client reads, never sampled text: status codes, error types, and the names
// and JSON types of every field (nested objects as "a.b", array elements as "a[]"), whole and
// streamed (a stream's token events and its final event separately), plus a few headers and, for
// /metrics, the metric names.
//
// Each difference is a row: "missing" (llama-server has the field, cria not), "type" (both have
// it, with different JSON types), "status" / "error type", or "extra" (cria adds the field: the
// seed's fields and cria's own; allowed). Differences that are known and accepted are explained
// in known.mjs; anything else is unexplained, and the suite fails on it (tests/e2e/compat.test.mjs).
//
// Used by run.mjs (the full table, docs/compatibility.md) and by the e2e test (the fast cases).
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';

import { CASES, CONFIGS } from './cases.mjs';
import { explain } from './known.mjs';
import { CRIA, MODELS, freePort, sleep } from '../e2e/lib/cria.mjs';

export const LLAMA_SERVER = process.env.LLAMA_SERVER || 'llama-server';

// Why the harness cannot run here ("" when it can).
export function unavailableReason() {
  try {
    execFileSync(LLAMA_SERVER, ['--version'], { stdio: 'ignore', timeout: 10000 });
  } catch {
    return `${LLAMA_SERVER} is not installed (scripts/install-deps installs Debian's llama.cpp-tools)`;
  }
  return '';
}

// ---- servers ----

class Server {
  constructor(name, proc, port) {
    this.name = name;
    this.proc = proc;
    this.base = `http://127.0.0.1:${port}`;
    this.log = '';
    proc.stdout.on('data', (d) => { this.log += d; });
    proc.stderr.on('data', (d) => { this.log += d; });
    this.exited = new Promise((resolve) => proc.on('exit', resolve));
  }

  async ready(timeoutMs = 60000) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`${this.name} exited early:\n${this.log}`);
      try {
        if ((await fetch(`${this.base}/health`)).status === 200) return;
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    throw new Error(`${this.name} never became ready:\n${this.log.slice(-4000)}`);
  }

  async stop() {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

async function startServer(name, binary, args) {
  const port = await freePort();
  const proc = spawn(binary, [...args, '--host', '127.0.0.1', '--port', String(port)],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LLAMA_LOG_COLORS: 'off' } });
  const server = new Server(name, proc, port);
  await server.ready();
  return server;
}

// Both servers of one configuration, started side by side.
async function startPair(config) {
  const model = path.join(MODELS, config.model || 'tiny.gguf');
  const common = ['-m', model, '-c', String(config.ctx || 1024), '-np', String(config.np || 2), '-t', '1', '-tb', '1',
    ...(config.mmproj ? ['--mmproj', path.join(MODELS, config.mmproj)] : []),
    ...(config.draft ? ['-md', path.join(MODELS, config.draft)] : []), ...(config.args || [])];
  const [cria, llama] = await Promise.all([
    startServer('cria', CRIA, common),
    startServer('llama-server', LLAMA_SERVER, [...common, '--no-webui', ...(config.llamaArgs || [])]),
  ]);
  return { cria, llama };
}

// ---- requests and shapes ----

function typeOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

// Every field path of `value` and its JSON type, into `out` (a Map). Array elements share the
// path "name[]"; an element type that varies is reported as the types joined by "|".
export function shapeOf(value, prefix = '', out = new Map()) {
  const add = (p, t) => {
    const before = out.get(p);
    if (before === undefined || before === t) out.set(p, t);
    else if (!before.split('|').includes(t)) out.set(p, [...before.split('|'), t].sort().join('|'));
  };
  add(prefix || '$', typeOf(value));
  if (Array.isArray(value)) {
    for (const item of value) shapeOf(item, `${prefix}[]`, out);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) shapeOf(v, prefix ? `${prefix}.${k}` : k, out);
  }
  return out;
}

// A stream's final event: /completion's stop: true, or an OpenAI chunk with a finish_reason.
function isFinalEvent(e) {
  if (e && e.stop === true) return true;
  const choices = e && Array.isArray(e.choices) ? e.choices : [];
  return choices.some((c) => c && c.finish_reason != null);
}

function parseEvents(text) {
  const events = [];
  for (const frame of text.split('\n\n')) {
    for (const line of frame.split('\n')) {
      if (!line.startsWith('data: ')) continue;
      const payload = line.slice(6).trim();
      if (payload === '[DONE]') { events.push('[DONE]'); continue; }
      try { events.push(JSON.parse(payload)); } catch { events.push(payload); }
    }
  }
  return events;
}

const HEADERS_COMPARED = ['process-start-time-unix', 'access-control-allow-origin', 'access-control-allow-methods',
  'access-control-allow-credentials'];

// One request to one server, as the comparison sees it: { status, shape: Map, note }.
async function observe(server, c) {
  const headers = { ...(c.body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...(c.headers || {}) };
  const value = typeof c.body === 'function' ? c.body() : c.body;
  const body = c.rawBody !== undefined ? c.rawBody : value !== undefined ? JSON.stringify(value) : undefined;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), c.timeoutMs || 60000);
  let res;
  let text;
  try {
    res = await fetch(server.base + c.path, { method: c.method || (body !== undefined ? 'POST' : 'GET'), headers, body,
      signal: controller.signal });
    text = await res.text();
  } catch (e) {
    return { status: 0, shape: new Map(), note: `no answer (${e.message})` };
  } finally {
    clearTimeout(timer);
  }
  const shape = new Map();
  for (const name of HEADERS_COMPARED) {
    if (res.headers.has(name) && res.headers.get(name) !== '') shape.set(`header:${name}`, 'present');
  }
  const type = res.headers.get('content-type') || '';
  if (type.includes('text/event-stream') || /^data: /m.test(text.slice(0, 10))) {
    const events = parseEvents(text);
    const chunks = new Map();
    const finals = new Map();
    let done = false;
    for (const e of events) {
      if (e === '[DONE]') { done = true; continue; }
      if (e && typeof e === 'object' && e.error) shapeOf(e, 'error-event', finals);
      else shapeOf(e, '', isFinalEvent(e) ? finals : chunks);
    }
    for (const [k, v] of chunks) shape.set(`event.${k}`, v);
    for (const [k, v] of finals) shape.set(`final.${k}`, v);
    if (done) shape.set('[DONE]', 'present');
  } else if (c.metrics) {
    for (const m of text.matchAll(/^# TYPE llamacpp:(\S+) (\S+)$/gm)) shape.set(`metric:${m[1]}`, m[2]);
  } else {
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    if (json !== undefined) shapeOf(json, '', shape);
    else shape.set('$', text === '' ? 'empty' : 'text');
  }
  return { status: res.status, shape, errorType: errorTypeOf(shape, text) };
}

function errorTypeOf(shape, text) {
  if (!shape.has('error.type')) return '';
  try { return JSON.parse(text).error.type; } catch { return ''; }
}

// ---- comparison ----

// The rows of one case: [{ kind, path, cria, llama }].
export function compare(criaObs, llamaObs) {
  const rows = [];
  if (criaObs.status !== llamaObs.status) rows.push({ kind: 'status', path: '', cria: criaObs.status, llama: llamaObs.status });
  if (criaObs.errorType !== llamaObs.errorType) {
    rows.push({ kind: 'error type', path: 'error.type', cria: criaObs.errorType || '-', llama: llamaObs.errorType || '-' });
  }
  // One answered and the other refused: their fields are not comparable, the status says it all.
  if ((criaObs.status >= 400) !== (llamaObs.status >= 400)) return rows;
  for (const [p, t] of llamaObs.shape) {
    if (!criaObs.shape.has(p)) rows.push({ kind: 'missing', path: p, cria: '-', llama: t });
    else if (criaObs.shape.get(p) !== t) rows.push({ kind: 'type', path: p, cria: criaObs.shape.get(p), llama: t });
  }
  for (const [p, t] of criaObs.shape) {
    if (!llamaObs.shape.has(p)) rows.push({ kind: 'extra', path: p, cria: t, llama: '-' });
  }
  return rows;
}

// Runs the cases (all, or those `select` keeps), configuration by configuration. Returns
// [{ case, rows: [{ kind, path, cria, llama, why }], skipped }].
export async function runCases(select = () => true, { log = () => {} } = {}) {
  const results = [];
  for (const [configName, config] of Object.entries(CONFIGS)) {
    const cases = CASES.filter((c) => (c.config || 'default') === configName && select(c));
    if (cases.length === 0) continue;
    log(`config ${configName}: ${cases.length} cases`);
    const pair = await startPair(config);
    try {
      for (const c of cases) {
        if (c.beingAdded) {
          results.push({ case: c, rows: [], skipped: `being added (${c.beingAdded})` });
          continue;
        }
        const [criaObs, llamaObs] = [await observe(pair.cria, c), await observe(pair.llama, c)];
        const rows = compare(criaObs, llamaObs).map((r) => ({ ...r, why: explain(c.id, r) }));
        if (criaObs.note) rows.push({ kind: 'status', path: '', cria: criaObs.note, llama: llamaObs.status, why: '' });
        results.push({ case: c, rows });
      }
    } finally {
      await Promise.all([pair.cria.stop(), pair.llama.stop()]);
    }
  }
  return results;
}

// A difference that fails the suite: not an extra field, and not explained.
export const isUnexplained = (row) => row.kind !== 'extra' && !row.why;

// The results as a Markdown table, one row per case, then the explained differences.
export function markdownReport(results) {
  const lines = ['| case | route | config | status (cria / llama-server) | missing | type | extra | result |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of results) {
    const c = r.case;
    const route = `${c.method || (c.body !== undefined || c.rawBody !== undefined ? 'POST' : 'GET')} ${c.path}`;
    if (r.skipped) {
      lines.push(`| ${c.id} | \`${route}\` | ${c.config || 'default'} | - | - | - | - | ${r.skipped} |`);
      continue;
    }
    const count = (kind) => r.rows.filter((x) => x.kind === kind).length;
    const status = r.rows.find((x) => x.kind === 'status');
    const unexplained = r.rows.filter(isUnexplained).length;
    const explained = r.rows.filter((x) => x.kind !== 'extra' && x.why).length;
    const verdict = unexplained ? `**${unexplained} unexplained**` : explained ? `same (${explained} explained)` : 'same';
    lines.push(`| ${c.id} | \`${route}\` | ${c.config || 'default'} | ${status ? `${status.cria} / ${status.llama}` : 'same'} | ` +
      `${count('missing')} | ${count('type')} | ${count('extra')} | ${verdict} |`);
  }
  return lines.join('\n');
}

// Every non-extra difference with its explanation, for the document.
export function differencesReport(results) {
  const lines = ['| case | kind | field | cria | llama-server | why |', '| --- | --- | --- | --- | --- | --- |'];
  for (const r of results) {
    for (const row of r.rows) {
      if (row.kind === 'extra') continue;
      lines.push(`| ${r.case.id} | ${row.kind} | \`${row.path || '-'}\` | ${row.cria} | ${row.llama} | ${row.why || '**unexplained**'} |`);
    }
  }
  return lines.join('\n');
}

// The fields cria adds, grouped by case (one line each).
export function extrasReport(results) {
  const lines = [];
  for (const r of results) {
    const extras = r.rows.filter((x) => x.kind === 'extra').map((x) => `\`${x.path}\``);
    if (extras.length) lines.push(`- **${r.case.id}**: ${extras.join(', ')}`);
  }
  return lines.join('\n');
}
