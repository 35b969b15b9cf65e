// bench/affinity: the multi-turn chat workload on two cria replicas behind HAProxy
// (examples/haproxy/haproxy.cfg), with its prefix affinity and with round-robin. Each conversation
// has its own system prompt and comes back turn after turn with its whole history; a replica that
// served its previous turn holds that history in a slot's cache. Reports, as ratios of affinity to
// round-robin: prompt tokens the replicas computed (their /metrics), time to first token, and the
// workload's wall time.
// Usage: bench/affinity [--model PATH] [--conversations N] [--turns N] [--clients N] [--threads N]
// The replicas and HAProxy run through server-process.mjs; their logs: bench/results/logs/affinity-*.log.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { freePort, sleep } from '../tests/e2e/lib/cria.mjs';
import { trackChildren } from './children.mjs';
import { startServer, startProcess } from './server-process.mjs';
import { streamRequest, percentile, metric } from './sse-client.mjs';
import { rngFor } from './random.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONFIG = path.join(ROOT, 'examples/haproxy/haproxy.cfg');
const children = trackChildren('bench/affinity', 130);

function options(argv) {
  const o = { model: path.join(ROOT, 'models/bench.gguf'), conversations: 8, turns: 4, clients: 4, threads: 1,
    parallel: 4, maxTokens: 16, cria: path.join(ROOT, 'build/cria'), out: path.join(ROOT, 'bench/results/affinity.json') };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in o)) throw new Error(`bench/affinity: unknown option ${argv[i]}`);
    o[key] = typeof o[key] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  return o;
}

const WORDS = 'the a king queen river mountain city road music light garden winter summer story ship island'.split(' ');
function words(rng, n) { return Array.from({ length: n }, () => WORDS[Math.floor(rng() * WORDS.length)]).join(' '); }

// The example configuration, or the same with round-robin instead of the affinity hash.
function configFor(mode) {
  if (mode === 'affinity') return CONFIG;
  const text = fs.readFileSync(CONFIG, 'utf8').replace(/^\s*balance hash .*$/m, '    balance roundrobin');
  const file = path.join(os.tmpdir(), `cria-haproxy-roundrobin-${process.pid}.cfg`);
  fs.writeFileSync(file, text);
  return file;
}

async function runMode(o, mode) {
  const logs = path.join(path.dirname(o.out), 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const replicas = [];
  let haproxy = null;
  try {
    for (let i = 0; i < 2; ++i) {
      replicas.push(await startServer({ bin: o.cria, children, cwd: ROOT, logPath: path.join(logs, `affinity-${mode}-cria${i + 1}.log`),
        args: ['-m', o.model, '-np', String(o.parallel), '-c', String(2048 * o.parallel), '--metrics',
          '-t', String(o.threads), '-tb', String(o.threads)] }));
    }
    const ports = replicas.map((r) => r.port);
    const lbPort = await freePort();
    haproxy = startProcess({ bin: 'haproxy', args: ['-db', '-f', configFor(mode)], children, cwd: ROOT,
      logPath: path.join(logs, `affinity-${mode}-haproxy.log`), stopTimeoutMs: 5000,
      env: { CRIA_LB_BIND: `127.0.0.1:${lbPort}`, CRIA_1: `127.0.0.1:${ports[0]}`, CRIA_2: `127.0.0.1:${ports[1]}` } });
    await sleep(2500);  // both replicas pass their first health check (inter 1s, rise 1)
    if (haproxy.exitStatus()) throw new Error(`haproxy exited (${JSON.stringify(haproxy.exitStatus())}); see its log in ${logs}`);
    const before = await Promise.all(ports.map((p) => metric(p, 'llamacpp:prompt_tokens_total')));
    const rng = rngFor('affinity');
    const conversations = Array.from({ length: o.conversations }, (_, c) => [
      { role: 'system', content: `You are guide ${c}. ${words(rng, 200)}` },
      { role: 'user', content: words(rng, 30) }]);
    const records = [];
    const t0 = performance.now();
    let next = 0;
    await Promise.all(Array.from({ length: o.clients }, async () => {
      for (let c = next++; c < o.conversations; c = next++) {
        const messages = conversations[c];
        for (let turn = 0; turn < o.turns; ++turn) {
          const r = await streamRequest({ port: lbPort, path: '/v1/chat/completions',
            body: { messages, max_tokens: o.maxTokens, temperature: 0 } });
          if (r.error) throw new Error(`conversation ${c} turn ${turn}: ${r.error}`);
          records.push(r);
          messages.push({ role: 'assistant', content: words(rng, o.maxTokens) });
          messages.push({ role: 'user', content: words(rng, 30) });
        }
      }
    }));
    const wallS = (performance.now() - t0) / 1000;
    const after = await Promise.all(ports.map((p) => metric(p, 'llamacpp:prompt_tokens_total')));
    const ttfts = records.map((r) => r.ttftMs);
    return { mode, wall_s: wallS, prompt_tokens_computed: after[0] - before[0] + after[1] - before[1],
      ttft_p50_ms: percentile(ttfts, 50), ttft_p99_ms: percentile(ttfts, 99), requests: records.length };
  } finally {
    if (haproxy) await haproxy.stop();
    for (const r of replicas) await r.stop();
  }
}

async function main() {
  const o = options(process.argv.slice(2));
  if (spawnSync('haproxy', ['-v']).status !== 0) throw new Error('bench/affinity: haproxy is not installed (scripts/install-deps)');
  const results = [];
  for (const mode of ['roundrobin', 'affinity']) {
    process.stderr.write(`bench/affinity: ${mode}...\n`);
    results.push(await runMode(o, mode));
  }
  const [rr, aff] = results;
  const ratio = (a, b) => (a / b).toFixed(2);
  const lines = ['| balance | prompt tokens computed | TTFT p50 (ms) | TTFT p99 (ms) | wall time (s) |', '|---|---|---|---|---|'];
  for (const r of results) lines.push(`| ${r.mode} | ${r.prompt_tokens_computed} | ${r.ttft_p50_ms.toFixed(0)} | ${r.ttft_p99_ms.toFixed(0)} | ${r.wall_s.toFixed(1)} |`);
  lines.push(`| **affinity / round-robin** | ${ratio(aff.prompt_tokens_computed, rr.prompt_tokens_computed)} | ` +
    `${ratio(aff.ttft_p50_ms, rr.ttft_p50_ms)} | ${ratio(aff.ttft_p99_ms, rr.ttft_p99_ms)} | ${ratio(aff.wall_s, rr.wall_s)} |`);
  const md = `${path.basename(o.model)}; 2 replicas (-np ${o.parallel}, -t ${o.threads}) behind HAProxy; ` +
    `${o.conversations} conversations x ${o.turns} turns, ${o.clients} at a time, ${o.maxTokens} tokens per answer\n\n${lines.join('\n')}\n`;
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, JSON.stringify({ options: o, results }, null, 2));
  fs.writeFileSync(o.out.replace(/\.json$/, '.md'), md);
  console.log(md);
}

main().then(() => process.exit(0), (e) => { console.error(e.message); process.exit(1); });
