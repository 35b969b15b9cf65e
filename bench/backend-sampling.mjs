// Benchmark of backend sampling (-bs): what running the sampler chain inside the compute graph
// does to single-stream decode speed, for cria and for llama-server, each against itself without
// -bs. Three request kinds: greedy (the chain is an argmax), the default chain with a seed (top-k,
// top-p, min-p, temperature and the draw: all of it on the backend) and the same with typical_p
// (the backend runs top-k, the CPU the rest over the 40 candidates that come back). It also checks
// that -bs changes no generated token.
//
// On a CPU-only machine the "backend" is the CPU backend: the figures say what the graph version
// of the samplers costs against libllama's CPU samplers; on a GPU the gain is the logits that no
// longer travel to the host. bench/backend-sampling --help lists the options. Loopback only.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { commandLine } from './args.mjs';
import { trackChildren } from './children.mjs';
import { startServer } from './server-process.mjs';
import { request } from './soak-http.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `usage: bench/backend-sampling [options]

  --model PATH        default models/bench.gguf (scripts/make-bench-model makes it)
  --requests N        timed requests per row and server, after one warm-up (default 5)
  --n-predict N       tokens generated per request (default 64)
  --threads N         -t and -tb for both servers (default 2)
  --servers LIST      default cria,llama-server
  --cria PATH         default build/cria
  --llama-server PATH default llama-server on the PATH
  --out PATH          default bench/results/backend-sampling.json (and .md next to it)
`;

function parseArgs(argv) {
  const o = {
    model: path.join(ROOT, 'models/bench.gguf'), requests: 5, nPredict: 64, threads: 2,
    servers: ['cria', 'llama-server'], cria: path.join(ROOT, 'build/cria'), llamaServer: 'llama-server',
    out: path.join(ROOT, 'bench/results/backend-sampling.json'),
  };
  for (const { name, val, int } of commandLine(argv, 1)) {
    switch (name) {
      case '-h': case '--help': process.stdout.write(HELP); process.exit(0); break;
      case '--model': o.model = path.resolve(val()); break;
      case '--requests': o.requests = int(); break;
      case '--n-predict': o.nPredict = int(); break;
      case '--threads': o.threads = int(); break;
      case '--servers': o.servers = val().split(','); break;
      case '--cria': o.cria = val(); break;
      case '--llama-server': o.llamaServer = val(); break;
      case '--out': o.out = path.resolve(val()); break;
      default: throw new Error(`unknown option ${name} (see --help)`);
    }
  }
  return o;
}

const PROMPT = 'the old man looked at the sea and said that the boat would come back when the wind turned';
const KINDS = {
  greedy: { temperature: 0 },
  'default chain': { temperature: 0.8, seed: 42 },
  'with typical_p': { temperature: 0.8, seed: 42, typical_p: 0.9 },
};

const children = trackChildren('bench/backend-sampling', 130);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const fmt = (v, d = 1) => (v === undefined || v === null || Number.isNaN(v) ? '-' : Number(v).toFixed(d));

// Both servers (without and with -bs) run side by side and take turns request by request, so a
// change in background load touches both alike. Returns { kind: { plain, bs } }, each with the
// median decode tok/s and the last run's tokens.
async function measurePair(bin, base, o, logPrefix) {
  const plain = await startServer({ bin, args: base, logPath: `${logPrefix}-plain.log`, children, cwd: ROOT });
  const bs = await startServer({ bin, args: [...base, '-bs'], logPath: `${logPrefix}-bs.log`, children, cwd: ROOT });
  try {
    const out = {};
    for (const [kind, params] of Object.entries(KINDS)) {
      const body = { prompt: PROMPT, n_predict: o.nPredict, ignore_eos: true, cache_prompt: false, return_tokens: true, ...params };
      const runs = { plain: [], bs: [] };
      const tokens = {};
      for (let r = 0; r <= o.requests; ++r) {
        for (const [name, srv] of r % 2 ? [['bs', bs], ['plain', plain]] : [['plain', plain], ['bs', bs]]) {
          const res = await request(srv.port, { path: '/completion', body, timeoutMs: 600000 });
          if (res.status !== 200) throw new Error(`${kind}: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
          if (r > 0) runs[name].push((1000 * res.body.timings.predicted_n) / res.body.timings.predicted_ms);  // r 0: warm-up
          tokens[name] = res.body.tokens;
        }
      }
      out[kind] = { plain: median(runs.plain), bs: median(runs.bs), same: JSON.stringify(tokens.plain) === JSON.stringify(tokens.bs) };
    }
    return out;
  } finally {
    await plain.stop();
    await bs.stop();
  }
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(o.model)) throw new Error(`${o.model} not found: run scripts/make-bench-model`);
  const bins = { cria: o.cria, 'llama-server': o.llamaServer };
  const logs = path.join(path.dirname(o.out), 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const rows = [];
  for (const server of o.servers) {
    const base = ['-m', o.model, '-c', '2048', '-np', '1', '-t', String(o.threads), '-tb', String(o.threads),
      ...(server === 'llama-server' ? ['--no-webui'] : [])];
    const m = await measurePair(bins[server], base, o, path.join(logs, `backend-sampling-${server}`));
    for (const kind of Object.keys(KINDS)) {
      rows.push({ server, kind, plain_tps: m[kind].plain, bs_tps: m[kind].bs, ratio: m[kind].bs / m[kind].plain,
        same_tokens: m[kind].same });
      process.stderr.write(`${server} ${kind}: ${fmt(m[kind].plain)} -> ${fmt(m[kind].bs)} tok/s\n`);
    }
  }
  const L = [`Run ${new Date().toISOString()} on ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}: ` +
    `${path.basename(o.model)}, 1 client, n_predict ${o.nPredict}, ${o.requests} timed request(s) per row (median), -t ${o.threads}.`, '',
  '| server | request | decode tok/s | with -bs | -bs / without | same tokens |', '|---|---|---:|---:|---:|:---:|'];
  for (const r of rows) {
    L.push(`| ${r.server} | ${r.kind} | ${fmt(r.plain_tps)} | ${fmt(r.bs_tps)} | ${fmt(r.ratio, 2)} | ${r.same_tokens ? 'yes' : 'no'} |`);
  }
  const md = L.join('\n') + '\n';
  fs.writeFileSync(o.out, JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
  fs.writeFileSync(o.out.replace(/\.json$/, '') + '.md', md);
  process.stdout.write(md);
}

main().catch((e) => {
  process.stderr.write(`bench/backend-sampling: ${e.message}\n`);
  process.exit(2);
});
