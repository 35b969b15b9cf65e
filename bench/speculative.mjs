// Benchmark of speculative decoding: single-stream greedy decode speed of cria with a draft model
// (-md) and with n-gram lookup (--spec-type ngram-simple), against cria without, and the same for
// llama-server with the same options. Reports each as a ratio to plain decoding, and checks that
// the generated tokens are the same with and without speculation.
//
// Two workloads, both 134M-parameter llama models with the bench vocabulary and random weights:
//   repetitive: models/bench-repeat.gguf, the bench model made with --anti-repeat -0.1: after a
//               few dozen tokens its greedy output repeats one word over and over (a model stuck
//               in a loop, or asked to repeat something), which is what drafts predict well.
//   varied:     models/bench.gguf itself, built never to repeat itself: n-gram lookup finds
//               nothing to draft, and the draft model agrees only now and then. The cost side.
// Draft models: the same file generator, seed and options with one layer instead of twelve, so
// they share the embeddings, the output matrix and the first layer with their main model.
//
// bench/speculative --help lists the options. Loopback only; every wait is bounded.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine } from './args.mjs';
import { trackChildren } from './children.mjs';
import { startServer as startProcess } from './server-process.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MODELS = path.join(ROOT, 'models');

const HELP = `usage: bench/speculative [options]

  --quick             1 timed request per configuration, n_predict 128
  --requests N        timed requests per configuration, after one warm-up (default 3)
  --n-predict N       tokens generated per request (default 256)
  --draft-max N       most tokens drafted per step, both servers (default 16)
  --threads N         -t and -tb for both servers (default 2)
  --servers LIST      default cria,llama-server
  --workloads LIST    default repetitive,varied
  --cria PATH         default build/cria
  --llama-server PATH default llama-server on the PATH, else /usr/bin/llama-server
  --out PATH          default bench/results/speculative.json (and .md next to it)
  --nice N            niceness of the servers, in their own autogroups (default -10 as root, else 0)
`;

function parseArgs(argv) {
  const o = {
    requests: 3, nPredict: 256, draftMax: 16, threads: 2, servers: ['cria', 'llama-server'],
    workloads: ['repetitive', 'varied'], cria: path.join(ROOT, 'build/cria'), llamaServer: undefined,
    out: path.join(ROOT, 'bench/results/speculative.json'), nice: process.getuid?.() === 0 ? -10 : 0,
  };
  for (const { name: a, val, int } of commandLine(argv)) {
    switch (a) {
      case '-h': case '--help': process.stdout.write(HELP); process.exit(0); break;
      case '--quick': o.requests = 1; o.nPredict = 128; break;
      case '--requests': o.requests = int(); break;
      case '--n-predict': o.nPredict = int(); break;
      case '--draft-max': o.draftMax = int(); break;
      case '--threads': o.threads = int(); break;
      case '--servers': o.servers = val().split(','); break;
      case '--workloads': o.workloads = val().split(','); break;
      case '--cria': o.cria = val(); break;
      case '--llama-server': o.llamaServer = val(); break;
      case '--out': o.out = path.resolve(val()); break;
      case '--nice': o.nice = int(); break;
      default: throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  if (o.requests < 1 || o.nPredict < 1 || o.draftMax < 1) throw new Error('--requests, --n-predict and --draft-max must be >= 1');
  return o;
}

// ---------------------------------------------------------------------------------------------
// Models

const WORKLOADS = {
  repetitive: { model: 'bench-repeat.gguf', draft: 'bench-repeat-draft.gguf', makeArgs: ['--anti-repeat', '-0.1'] },
  varied: { model: 'bench.gguf', draft: 'bench-draft.gguf', makeArgs: [] },
};

// Generates a model with build/make-model unless it is there already (they are deterministic).
function ensureModel(file, args) {
  const out = path.join(MODELS, file);
  if (fs.existsSync(out)) return out;
  fs.mkdirSync(MODELS, { recursive: true });
  log(`generating ${path.relative(ROOT, out)}`);
  execFileSync(path.join(ROOT, 'build/make-model'), ['--out', out, '--preset', 'bench', '--seed', '42', ...args],
    { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300000 });
  return out;
}

// ---------------------------------------------------------------------------------------------
// Servers

let NICE = 0;
const children = trackChildren('bench/speculative', 130);

function startServer(bin, args, logPath) {
  return startProcess({ bin, args, logPath, children, cwd: ROOT, nice: NICE, stopTimeoutMs: 10000 });
}

function request(port, method, p, body, timeoutMs) {
  return new Promise((resolve, reject) => {
    const data = body ? JSON.stringify(body) : null;
    const req = http.request({
      host: '127.0.0.1', port, path: p, method,
      headers: data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {},
    }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => { text += d; }).on('end', () => {
        let json = null;
        try { json = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode, body: json ?? text });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

// Per server, the options that turn each kind of speculation on (the same settings for both).
function modeArgs(server, mode, o, draftModel) {
  if (mode === 'plain') return [];
  const n = String(o.draftMax);
  if (mode === 'ngram') {
    return server === 'cria'
      ? ['--spec-type', 'ngram-simple', '--draft-max', n]
      : ['--spec-type', 'ngram-simple', '--spec-ngram-simple-size-m', n];
  }
  return server === 'cria'
    ? ['-md', draftModel, '--draft-max', n, '--draft-min', '0', '--draft-p-min', '0.75']
    : ['-md', draftModel, '--spec-type', 'draft-simple', '--spec-draft-n-max', n, '--spec-draft-n-min', '0',
      '--spec-draft-p-min', '0.75'];
}

const PROMPT = 'the old man looked at the sea and said that the boat would come back when the wind turned, ' +
  'and the children ran down to the water to wait for it';

// ---------------------------------------------------------------------------------------------

const T0 = Date.now();
function log(msg) { process.stderr.write(`[${((Date.now() - T0) / 1000).toFixed(1)}s] ${msg}\n`); }
const fmt = (v, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[Math.floor((s.length - 1) / 2)] : null; };

async function measure(server, bin, args, o, logPath) {
  const srv = await startServer(bin, args, logPath);
  try {
    const body = {
      prompt: PROMPT, n_predict: o.nPredict, temperature: 0, ignore_eos: true, cache_prompt: false, return_tokens: true,
    };
    const warm = await request(srv.port, 'POST', '/completion', { ...body, n_predict: 16 }, 300000);
    if (warm.status !== 200) throw new Error(`warm-up failed: ${JSON.stringify(warm.body).slice(0, 300)}`);
    const runs = [];
    for (let r = 0; r < o.requests; ++r) {
      const t = Date.now();
      const res = await request(srv.port, 'POST', '/completion', body, 600000);
      if (res.status !== 200) throw new Error(`request failed: ${JSON.stringify(res.body).slice(0, 300)}`);
      const tm = res.body.timings;
      runs.push({
        wall_ms: Date.now() - t, predicted_n: tm.predicted_n, predicted_ms: tm.predicted_ms,
        decode_tps: (1000 * tm.predicted_n) / tm.predicted_ms, draft_n: tm.draft_n ?? 0,
        draft_n_accepted: tm.draft_n_accepted ?? 0, tokens: res.body.tokens,
      });
    }
    return runs;
  } finally {
    await srv.stop();
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  NICE = o.nice;
  const llamaServer = o.llamaServer ?? (() => {
    try { return execFileSync('which', ['llama-server'], { encoding: 'utf8' }).trim(); } catch { return '/usr/bin/llama-server'; }
  })();
  const bins = { cria: o.cria, 'llama-server': llamaServer };
  for (const s of o.servers) if (!fs.existsSync(bins[s])) throw new Error(`${s} not found at ${bins[s]}`);
  const logs = path.join(path.dirname(o.out), 'logs');
  fs.mkdirSync(logs, { recursive: true });

  const results = {
    date: new Date().toISOString(), machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}`,
    settings: { requests: o.requests, n_predict: o.nPredict, draft_max: o.draftMax, threads: o.threads, nice: NICE },
    rows: [],
  };
  const modes = ['plain', 'ngram', 'draft'];
  for (const w of o.workloads) {
    const spec = WORKLOADS[w];
    if (!spec) throw new Error(`unknown workload ${w}`);
    const model = ensureModel(spec.model, spec.makeArgs);
    const draft = ensureModel(spec.draft, ['--n-layer', '1', ...spec.makeArgs]);
    for (const mode of modes) {
      // Alternate which server goes first, so that neither always meets the same background load.
      const order = modes.indexOf(mode) % 2 === 0 ? o.servers : [...o.servers].reverse();
      for (const s of order) {
        const args = ['-m', model, '-c', '4096', '-np', '1', '-t', String(o.threads), '-tb', String(o.threads),
          ...(s === 'llama-server' ? ['--no-webui'] : []), ...modeArgs(s, mode, o, draft)];
        log(`${w} ${mode} ${s}: ${args.slice(2).join(' ')}`);
        const runs = await measure(s, bins[s], args, o, path.join(logs, `speculative-${w}-${mode}-${s}.log`));
        const row = {
          workload: w, mode, server: s, args,
          decode_tps: median(runs.map((r) => r.decode_tps)),
          draft_n: runs[0].draft_n, draft_n_accepted: runs[0].draft_n_accepted,
          tokens: runs[0].tokens, runs: runs.map(({ tokens, ...rest }) => rest),
        };
        results.rows.push(row);
        log(`  decode ${fmt(row.decode_tps, 1)} tok/s, drafted ${row.draft_n}, accepted ${row.draft_n_accepted}`);
      }
    }
  }

  // Ratios and output checks.
  const find = (w, m, s) => results.rows.find((r) => r.workload === w && r.mode === m && r.server === s);
  for (const r of results.rows) {
    const base = find(r.workload, 'plain', r.server);
    r.vs_plain = base ? r.decode_tps / base.decode_tps : null;
    // How many leading tokens agree with plain decoding. A difference can be legitimate: where the
    // two best logits are nearly tied, the rounding differences libllama has between batch shapes
    // (a draft is verified in one batch) can flip the choice, for cria and llama-server alike.
    if (base && Array.isArray(r.tokens) && Array.isArray(base.tokens) && base.tokens.length > 0) {
      let k = 0;
      while (k < r.tokens.length && k < base.tokens.length && r.tokens[k] === base.tokens[k]) ++k;
      r.tokens_same_as_plain = k;
      r.tokens_total = base.tokens.length;
    } else {
      r.tokens_same_as_plain = null;
    }
    const cria = find(r.workload, r.mode, 'cria');
    r.cria_vs_this = r.server === 'llama-server' && cria ? cria.decode_tps / r.decode_tps : null;
  }
  for (const r of results.rows) delete r.tokens;

  const L = [];
  L.push(`Run ${results.date} on ${results.machine}: 1 client, ${o.requests} timed request(s) per row after a warm-up ` +
    `(median shown), n_predict ${o.nPredict}, temperature 0, ignore_eos, --draft-max ${o.draftMax}, -t ${o.threads}` +
    `${NICE ? `, servers at niceness ${NICE}` : ''}.`);
  L.push('');
  L.push('| workload | speculation | server | decode tok/s | vs. plain, same server | drafted | accepted | tokens as plain decoding | cria / llama-server |');
  L.push('|---|---|---|---:|---:|---:|---:|:---:|---:|');
  for (const r of results.rows) {
    const same = r.tokens_same_as_plain === null ? '-'
      : r.tokens_same_as_plain === r.tokens_total ? `all ${r.tokens_total}` : `first ${r.tokens_same_as_plain} of ${r.tokens_total}`;
    L.push(`| ${r.workload} | ${r.mode} | ${r.server} | ${fmt(r.decode_tps, 1)} | ${r.mode === 'plain' ? '1' : fmt(r.vs_plain, 2)} | ` +
      `${r.draft_n} | ${r.draft_n_accepted} | ${r.mode === 'plain' ? '-' : same} | ${r.cria_vs_this === null ? '' : fmt(r.cria_vs_this, 2)} |`);
  }
  const md = L.join('\n') + '\n';
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, JSON.stringify(results, null, 2));
  fs.writeFileSync(o.out.replace(/\.json$/, '') + '.md', md);
  process.stdout.write(md);
}

main().catch((e) => {
  process.stderr.write(`bench/speculative: ${e.message}\n`);
  process.exit(2);
});
