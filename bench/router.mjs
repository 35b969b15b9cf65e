// Benchmark of router mode: a client alternates between two models (A, B, A, B, ...) on one
// server, one streaming chat request at a time, and measures time to first token including any
// load the request causes. Two configurations per server:
//   warm:       --models-max 4 (llama-server's default): both models stay loaded after their
//               first request, so after the first two requests this is the proxy's own cost.
//   models-max 1: every switch unloads the other model and loads this one: the cost of a load
//               (process start, model load, first token).
// cria (--models-dir, src/router/) and llama-server (its router mode, --models-dir) run the same
// directory, the same options and the same requests in one run; the report gives each figure as
// cria / llama-server. The models are two names for models/bench.gguf (symbolic links), so both
// servers read the same bytes from the page cache.
//
// bench/router --help lists the options. Loopback only; every wait is bounded.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { trackChildren } from './children.mjs';
import { freePort, sleep } from '../tests/e2e/lib/cria.mjs';
import { commandLine } from './args.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `usage: bench/router [options]

  --quick             4 requests per configuration, max_tokens 8
  --requests N        requests per configuration, alternating models (default 10)
  --max-tokens N      tokens generated per request (default 16)
  --threads N         -t and -tb for both servers (default 2)
  --model PATH        the model behind both names (default models/bench.gguf)
  --servers LIST      default cria,llama-server
  --cria PATH         default build/cria
  --llama-server PATH default llama-server
  --out PATH          default bench/results/router.json (and .md next to it)
`;

function parseArgs(argv) {
  const o = {
    requests: 10, maxTokens: 16, threads: 2, model: path.join(ROOT, 'models/bench.gguf'),
    servers: ['cria', 'llama-server'], cria: path.join(ROOT, 'build/cria'), llamaServer: 'llama-server',
    out: path.join(ROOT, 'bench/results/router.json'),
  };
  for (const { name: a, val, int } of commandLine(argv, 1)) {
    switch (a) {
      case '-h': case '--help': process.stdout.write(HELP); process.exit(0); break;
      case '--quick': o.requests = 4; o.maxTokens = 8; break;
      case '--requests': o.requests = int(); break;
      case '--max-tokens': o.maxTokens = int(); break;
      case '--threads': o.threads = int(); break;
      case '--model': o.model = path.resolve(val()); break;
      case '--servers': o.servers = val().split(','); break;
      case '--cria': o.cria = val(); break;
      case '--llama-server': o.llamaServer = val(); break;
      case '--out': o.out = path.resolve(val()); break;
      default: throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  return o;
}

const children = trackChildren('bench/router', 130);
const T0 = Date.now();
const log = (msg) => process.stderr.write(`[${((Date.now() - T0) / 1000).toFixed(1)}s] ${msg}\n`);
const fmt = (v, d = 0) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : null; };
const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);

function get(port, p) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
  });
}

async function startServer(bin, args, logPath) {
  const port = await freePort();
  const fd = fs.openSync(logPath, 'w');
  const proc = spawn(bin, [...args, '--host', '127.0.0.1', '--port', String(port)], { stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  children.add(proc);
  let exited = null;
  const done = new Promise((resolve) => proc.on('exit', (code, signal) => { exited = { code, signal }; children.delete(proc); resolve(); }));
  const stop = async () => {
    if (exited) return;
    proc.kill('SIGTERM');
    await Promise.race([done, sleep(15000)]);
    if (!exited) proc.kill('SIGKILL');
    await done;
  };
  for (let i = 0; i < 600; ++i) {
    if (exited) throw new Error(`${bin} exited during start-up (${JSON.stringify(exited)}); see ${logPath}`);
    if (await get(port, '/health') === 200) return { port, stop };
    await sleep(50);
  }
  await stop();
  throw new Error(`${bin}: /health never answered 200; see ${logPath}`);
}

// One streaming chat request; ms to the first generated text, and to the end.
function timedChat(port, model, maxTokens, n) {
  const body = JSON.stringify({
    model, stream: true, max_tokens: maxTokens, temperature: 0,
    messages: [{ role: 'user', content: `request ${n}: tell me about the sea and the old boat` }],
  });
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let first = null;
    let buffer = '';
    // A new connection per request (agent: false): llama-server's router closes a kept-alive
    // connection after a proxied stream, and a client that reuses it gets "socket hang up".
    const req = http.request({
      agent: false, host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`${model}: HTTP ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (d) => {
        buffer += d;
        if (first === null && /"content":"[^"]/.test(buffer)) first = performance.now();
      });
      res.on('end', () => {
        const end = performance.now();
        resolve({ ttft: (first ?? end) - started, total: end - started });
      });
    });
    req.setTimeout(300000, () => req.destroy(new Error('no answer within 300 s')));
    req.on('error', reject);
    req.end(body);
  });
}

async function run(server, bin, dir, o, config) {
  const maxArgs = config === 'models-max 1' ? ['--models-max', '1'] : ['--models-max', '4'];
  const args = ['--models-dir', dir, ...maxArgs, '-t', String(o.threads), '-tb', String(o.threads), '-c', '2048',
    '-np', '1', '--no-webui'];
  const logPath = path.join(path.dirname(o.out), `router-${server}-${config.replace(/\W+/g, '-')}.log`);
  const s = await startServer(bin, args, logPath);
  try {
    const samples = [];
    for (let n = 0; n < o.requests; ++n) {
      const model = n % 2 === 0 ? 'a' : 'b';
      const r = await timedChat(s.port, model, o.maxTokens, n);
      samples.push({ model, ...r });
      log(`${server} ${config} #${n} ${model}: ttft ${fmt(r.ttft)} ms, total ${fmt(r.total)} ms`);
    }
    // The first request to each model loads it in both configurations; the rest tell them apart.
    const steady = samples.slice(2);
    return {
      server, config, samples,
      first_load_ttft_ms: mean(samples.slice(0, 2).map((x) => x.ttft)),
      ttft_p50_ms: median(steady.map((x) => x.ttft)),
      ttft_mean_ms: mean(steady.map((x) => x.ttft)),
      total_mean_ms: mean(steady.map((x) => x.total)),
    };
  } finally {
    await s.stop();
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-router-'));
  fs.symlinkSync(o.model, path.join(dir, 'a.gguf'));
  fs.symlinkSync(o.model, path.join(dir, 'b.gguf'));
  const bins = { cria: o.cria, 'llama-server': o.llamaServer };
  const results = [];
  try {
    for (const config of ['warm', 'models-max 1']) {
      for (const server of o.servers) results.push(await run(server, bins[server], dir, o, config));
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const rows = ['| configuration | server | first loads: TTFT ms | TTFT p50 ms | TTFT mean ms | request mean ms |',
    '| --- | --- | ---: | ---: | ---: | ---: |'];
  for (const r of results) {
    rows.push(`| ${r.config} | ${r.server} | ${fmt(r.first_load_ttft_ms)} | ${fmt(r.ttft_p50_ms)} | ${fmt(r.ttft_mean_ms)} | ${fmt(r.total_mean_ms)} |`);
  }
  const ratios = ['', '| configuration | TTFT p50 cria / llama-server | TTFT mean | request mean |', '| --- | ---: | ---: | ---: |'];
  for (const config of ['warm', 'models-max 1']) {
    const c = results.find((r) => r.server === 'cria' && r.config === config);
    const l = results.find((r) => r.server === 'llama-server' && r.config === config);
    if (!c || !l) continue;
    ratios.push(`| ${config} | ${fmt(c.ttft_p50_ms / l.ttft_p50_ms, 2)} | ${fmt(c.ttft_mean_ms / l.ttft_mean_ms, 2)} | ` +
      `${fmt(c.total_mean_ms / l.total_mean_ms, 2)} |`);
  }
  const md = `Router: ${o.requests} streaming chat requests alternating between two models (A, B, A, ...), ` +
    `max_tokens ${o.maxTokens}, -t ${o.threads}, ${path.basename(o.model)} behind both names; ` +
    `"first loads" is the mean of the first two requests, the other columns are over the rest.\n\n` +
    `${rows.join('\n')}\n${ratios.join('\n')}\n`;
  fs.writeFileSync(o.out, JSON.stringify({ options: o, results }, null, 2));
  fs.writeFileSync(o.out.replace(/\.json$/, '.md'), md);
  process.stdout.write(md);
}

main().catch((e) => {
  process.stderr.write(`bench/router: ${e.stack || e}\n`);
  process.exit(1);
});
