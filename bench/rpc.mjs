// bench/rpc: what offloading layers to ggml RPC workers costs. Runs cria on one model with 0, 1
// and 2 ggml-rpc-server workers (-ngl 99: every layer on the workers) and drives each with the
// same concurrent streaming clients; reports aggregate generated tokens/s and time to first token,
// each as a ratio to 0 workers. Every worker here runs on this host, over loopback, on the same
// CPUs: the figures measure the protocol's overhead (serialising graphs and tensors, round trips
// per ubatch), not what a second machine's memory or compute would add.
// Usage: bench/rpc [--model PATH] [--clients N] [--requests N] [--n-predict N] [--threads N]
// cria and the workers run through server-process.mjs; their logs: bench/results/logs/rpc-*.log.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { freePort, sleep } from '../tests/e2e/lib/cria.mjs';
import { trackChildren } from './children.mjs';
import { startServer, startProcess } from './server-process.mjs';
import { streamRequest, percentile } from './sse-client.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const children = trackChildren('bench/rpc', 130);

function options(argv) {
  const o = { model: path.join(ROOT, 'models/bench.gguf'), clients: 4, requests: 2, nPredict: 32, threads: 2,
    cria: path.join(ROOT, 'build/cria'), out: path.join(ROOT, 'bench/results/rpc.json') };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in o)) throw new Error(`bench/rpc: unknown option ${argv[i]}`);
    o[key] = typeof o[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return o;
}

function rpcServerPath() {
  const dirs = fs.existsSync('/usr/libexec') ? fs.readdirSync('/usr/libexec') : [];
  const found = dirs.map((d) => path.join('/usr/libexec', d, 'llama/bin/ggml-rpc-server')).find((p) => fs.existsSync(p));
  if (!found) throw new Error('bench/rpc: ggml-rpc-server not found (Debian llama.cpp-tools-extra; scripts/install-deps)');
  return found;
}

const prompt = (c, r) => `Client ${c} request ${r}: once upon a time in a village by the sea there lived a ` +
  'fisherman who told long stories about the weather, the boats and the people of the town. '.repeat(4);

async function measure(o, nWorkers) {
  const rpcServer = nWorkers > 0 ? rpcServerPath() : null;
  const logs = path.join(path.dirname(o.out), 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const workers = [];
  let cria = null;
  try {
    for (let i = 0; i < nWorkers; ++i) {
      const port = await freePort();
      workers.push({ port, ...startProcess({ bin: rpcServer, args: ['-H', '127.0.0.1', '-p', String(port), '-t', String(o.threads)],
        children, cwd: ROOT, logPath: path.join(logs, `rpc-${nWorkers}-worker${i + 1}.log`), stopTimeoutMs: 5000 }) });
    }
    await sleep(500);  // the workers listen (they have no health route)
    const rpcArgs = nWorkers > 0 ? ['-ngl', '99', '--rpc', workers.map((w) => `127.0.0.1:${w.port}`).join(',')] : [];
    cria = await startServer({ bin: o.cria, children, cwd: ROOT, logPath: path.join(logs, `rpc-${nWorkers}-cria.log`),
      stopTimeoutMs: 5000, args: ['-m', o.model, '-np', String(o.clients), '-c', String(1024 * o.clients),
        '-t', String(o.threads), '-tb', String(o.threads), ...rpcArgs] });
    const { port } = cria;
    await streamRequest({ port, path: '/completion', body: { prompt: 'warm up', n_predict: 4 } });
    const t0 = performance.now();
    const records = (await Promise.all(Array.from({ length: o.clients }, async (_, c) => {
      const mine = [];
      for (let r = 0; r < o.requests; ++r) {
        mine.push(await streamRequest({ port, path: '/completion',
          body: { prompt: prompt(c, r), n_predict: o.nPredict, temperature: 0, ignore_eos: true } }));
      }
      return mine;
    }))).flat();
    const wallS = (performance.now() - t0) / 1000;
    const failed = records.filter((r) => r.error);
    if (failed.length) throw new Error(`${failed.length} requests failed: ${failed[0].error}`);
    const ttfts = records.map((r) => r.ttftMs);
    return { workers: nWorkers, tokens_per_s: records.reduce((s, r) => s + r.tokens, 0) / wallS,
      ttft_p50_ms: percentile(ttfts, 50), ttft_p99_ms: percentile(ttfts, 99), requests: records.length };
  } finally {
    if (cria) await cria.stop();
    for (const w of workers) await w.stop();
  }
}

async function main() {
  const o = options(process.argv.slice(2));
  const results = [];
  for (const n of [0, 1, 2]) {
    process.stderr.write(`bench/rpc: ${n} worker(s)...\n`);
    results.push(await measure(o, n));
  }
  const base = results[0];
  const lines = ['| workers | generated tokens/s | ratio to 0 workers | TTFT p50 (ms) | ratio | TTFT p99 (ms) |', '|---|---|---|---|---|---|'];
  for (const r of results) {
    lines.push(`| ${r.workers} | ${r.tokens_per_s.toFixed(1)} | ${(r.tokens_per_s / base.tokens_per_s).toFixed(2)} | ` +
      `${r.ttft_p50_ms.toFixed(0)} | ${(r.ttft_p50_ms / base.ttft_p50_ms).toFixed(2)} | ${r.ttft_p99_ms.toFixed(0)} |`);
  }
  const md = `${path.basename(o.model)}, ${o.clients} concurrent streaming clients x ${o.requests} requests, ` +
    `${o.nPredict} tokens each, -t ${o.threads}; workers on loopback (the protocol's overhead)\n\n${lines.join('\n')}\n`;
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, JSON.stringify({ options: o, results }, null, 2));
  fs.writeFileSync(o.out.replace(/\.json$/, '.md'), md);
  console.log(md);
}

main().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });
