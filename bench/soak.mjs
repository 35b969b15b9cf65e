// Soak test: the real cria binary under a long mixed load of valid, hostile and broken requests.
//
// Starts cria (the tiny test model, with its vision projector so images are part of the mix) and,
// for the embedding routes, a second cria with --embedding (a server in embedding mode generates
// no text). N clients then loop until the deadline, each picking actions by weight with its own
// seeded RNG (bench/soak-actions.mjs): every route, whole and streamed, streams cut mid-way,
// requests cancelled after a random delay, idle and half-sent connections, and bad requests of
// every kind the server must refuse. Each action says which statuses it expects; anything else
// (a 5xx, a wrong status, a reset the client did not cause, a stream that ends without its final
// event, no answer within --request-timeout-s) is unexpected and sampled for the report.
//
// Memory: VmRSS of each server at start, after the warm-up and at the end, each measured at rest
// (the clients pause, in-flight requests finish, every slot is idle), plus the peak. A crash is
// the server exiting, or /health going unanswered for --health-timeout-s.
//
// Exit status 0 when there was no crash, no unexpected outcome and RSS grew less than
// --max-growth-pct after the warm-up; 1 otherwise; 2 on a usage or set-up error.
// bench/soak --help lists the options. No npm dependencies; loopback only; every wait is bounded.

import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort, sleep } from '../tests/e2e/lib/cria.mjs';
import { request } from './soak-http.mjs';
import { actions, makeFixtures, weighted } from './soak-actions.mjs';
import { classify, Tally, textReport, markdown } from './soak-report.mjs';
import { trackChildren } from './children.mjs';
import { rngFor } from './random.mjs';  // each client has its own sequence

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// The request budgets are passed to the server explicitly, so that the over-budget requests of
// the mix are exactly one past them whatever the defaults become.
const LIMITS = {
  maxRequestTasks: 128, maxStopStrings: 64, maxStopLength: 512, maxLogitBias: 131072, maxSamplers: 64,
  maxNProbs: 1000, maxGrammarSize: 262144, maxImages: 16, maxTokenizeSize: 4194304, maxDetokenizeTokens: 1048576,
  maxJsonDepth: 100,
};
const LIMIT_FLAGS = {
  maxRequestTasks: '--max-request-tasks', maxStopStrings: '--max-stop-strings', maxStopLength: '--max-stop-length',
  maxLogitBias: '--max-logit-bias', maxSamplers: '--max-samplers', maxNProbs: '--max-n-probs',
  maxGrammarSize: '--max-grammar-size', maxImages: '--max-images', maxTokenizeSize: '--max-tokenize-size',
  maxDetokenizeTokens: '--max-detokenize-tokens', maxJsonDepth: '--max-json-depth',
};
const MAX_BODY_BYTES = 32 << 20;  // fixed in cria (413 beyond it)

const HELP = `usage: bench/soak [options]

  --clients N            concurrent clients (default 8)
  --duration-s N         how long the clients run, in seconds (default 600)
  --warmup-s N           the first N seconds are warm-up: RSS is measured after them and growth is
                         counted from there (default: a tenth of the duration, at least 5;
                         half of a duration of 10 s or less)
  --cria PATH            the binary (default build/cria of this checkout)
  --model PATH           generation model (default models/tiny.gguf)
  --mmproj PATH          its vision projector, so image requests are part of the mix
                         (default models/tiny-mmproj.gguf); --no-mmproj leaves images out
  --embedding-model PATH model of the second server, started with --embedding, that serves the
                         embedding routes (default models/tiny-embedding.gguf); --no-embedding
                         leaves embeddings out
  -np, --parallel N      slots of the generation server (default 4: fewer than clients, so
                         requests queue too)
  --ctx N                its -c (default 512 per slot)
  --threads N            -t and -tb of each server (default 1: the machine is shared)
  --cria-extra ARGS      more arguments for the generation server (space-separated)
  --only NAMES           run only these actions (comma-separated names from the report's table)
  --without NAMES        leave these actions out (and bad-request kinds, as bad-request:KIND)
  --seed S               seed of the clients' random choices (default 1)
  --request-timeout-s N  a request with no complete answer after N s is a hang (default 120)
  --health-timeout-s N   /health unanswered for N s counts as a crash (default 60)
  --max-growth-pct X     the largest RSS growth after warm-up that passes (default 5)
  --out PATH             default bench/results/soak-latest.json (the .md next to it; the servers'
                         logs under logs/ beside it)
`;

function parseArgs(argv) {
  const o = {
    clients: 8, durationS: 600, warmupS: undefined, cria: path.join(ROOT, 'build/cria'),
    model: path.join(ROOT, 'models/tiny.gguf'), mmproj: path.join(ROOT, 'models/tiny-mmproj.gguf'),
    embeddingModel: path.join(ROOT, 'models/tiny-embedding.gguf'), parallel: 4, ctx: undefined, threads: 1,
    criaExtra: [], only: null, without: [], seed: '1', requestTimeoutS: 120, healthTimeoutS: 60, maxGrowthPct: 5,
    out: path.join(ROOT, 'bench/results/soak-latest.json'),
  };
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const num = (lo) => {
      const v = Number(val());
      if (!Number.isFinite(v) || v < lo) throw new Error(`${a} needs a number >= ${lo}`);
      return v;
    };
    switch (a) {
      case '-h': case '--help': process.stdout.write(HELP); process.exit(0); break;
      case '--clients': o.clients = Math.floor(num(1)); break;
      case '--duration-s': o.durationS = num(1); break;
      case '--warmup-s': o.warmupS = num(0); break;
      case '--cria': o.cria = path.resolve(val()); break;
      case '--model': o.model = path.resolve(val()); break;
      case '--mmproj': o.mmproj = path.resolve(val()); break;
      case '--no-mmproj': o.mmproj = null; break;
      case '--embedding-model': o.embeddingModel = path.resolve(val()); break;
      case '--no-embedding': o.embeddingModel = null; break;
      case '-np': case '--parallel': o.parallel = Math.floor(num(1)); break;
      case '--ctx': o.ctx = Math.floor(num(64)); break;
      case '--threads': o.threads = Math.floor(num(1)); break;
      case '--cria-extra': o.criaExtra = val().split(/\s+/).filter(Boolean); break;
      case '--only': o.only = val().split(',').filter(Boolean); break;
      case '--without': o.without = val().split(',').filter(Boolean); break;
      case '--seed': o.seed = val(); break;
      case '--request-timeout-s': o.requestTimeoutS = num(1); break;
      case '--health-timeout-s': o.healthTimeoutS = num(1); break;
      case '--max-growth-pct': o.maxGrowthPct = num(0); break;
      case '--out': o.out = path.resolve(val()); break;
      default: throw new Error(`unknown option ${a} (see bench/soak --help)`);
    }
  }
  o.warmupS ??= o.durationS > 10 ? Math.max(5, Math.round(o.durationS / 10)) : o.durationS / 2;
  if (o.warmupS >= o.durationS) throw new Error('--warmup-s must be shorter than --duration-s');
  o.ctx ??= 512 * o.parallel;
  if (o.clients > 256) throw new Error('--clients: at most 256');
  return o;
}

const T0 = performance.now();
const now = () => (performance.now() - T0) / 1000;
const log = (msg) => process.stderr.write(`[soak ${now().toFixed(0).padStart(4)} s] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// Servers

const children = trackChildren('soak', 2);  // killed on exit and on signals

// VmRSS, RssAnon and VmHWM of a process, in kB, and its thread count (null once it is gone).
function memory(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number((new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text) || [])[1] ?? NaN);
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), hwm: kb('VmHWM'), threads: Number((/^Threads:\s+(\d+)/m.exec(text) || [])[1]) };
  } catch {
    return null;
  }
}

class SoakServer {
  constructor(name, bin, args, logPath) {
    Object.assign(this, { name, bin, args, logPath, port: 0, proc: null, exit: null, stopping: false });
    this.exited = null;
  }

  async start(timeoutMs = 60000) {
    this.port = await freePort();
    const fd = fs.openSync(this.logPath, 'w');
    const argv = [...this.args, '--host', '127.0.0.1', '--port', String(this.port)];
    this.proc = spawn(this.bin, argv, { cwd: ROOT, stdio: ['ignore', fd, fd] });
    fs.closeSync(fd);
    children.add(this.proc);
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => {
      children.delete(this.proc);
      this.exit = { code, signal, t_s: +now().toFixed(1) };
      resolve(this.exit);
    }));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`${this.name} exited while starting (${JSON.stringify(this.exit)}): see ${this.logPath}`);
      const r = await request(this.port, { path: '/health', timeoutMs: 2000 });
      if (r.status === 200) return;
      await sleep(50);
    }
    throw new Error(`${this.name}: /health not 200 within ${timeoutMs / 1000} s`);
  }

  memory() { return this.exit ? null : memory(this.proc.pid); }

  // SIGTERM, then SIGKILL after 30 s; says how it went.
  async stop() {
    if (!this.proc) return 'never started';
    if (this.exit) return `had exited: ${JSON.stringify(this.exit)}`;
    this.stopping = true;
    this.proc.kill('SIGTERM');
    const t = Date.now();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 30000);
    const e = await this.exited;
    clearTimeout(timer);
    const how = e.signal ? `killed by ${e.signal}` : `exit code ${e.code}`;
    return `${how} ${((Date.now() - t) / 1000).toFixed(1)} s after SIGTERM`;
  }
}


// Levels of the server's log lines ("I cria: ...", "W ...", "E ..."), and a few warnings and errors.
function readLog(logPath) {
  const levels = {};
  const samples = [];
  let text = '';
  try {
    text = fs.readFileSync(logPath, 'utf8');
  } catch { /* none */ }
  for (const line of text.split('\n')) {
    if (!line) continue;
    const level = /^([A-Z]) /.exec(line)?.[1] ?? 'other';
    levels[level] = (levels[level] ?? 0) + 1;
    if (level !== 'I' && samples.length < 10) samples.push(line.slice(0, 300));
  }
  return { levels, samples, tail: text.split('\n').slice(-15).join('\n') };
}

// ---------------------------------------------------------------------------------------------
// Watching the servers: RSS every second, /health in a loop, exits.

class Watch {
  constructor(servers, o) {
    this.servers = servers;
    this.o = o;
    this.stopped = false;
    this.peak = Object.fromEntries(servers.map((s) => [s.name, 0]));
    this.timeline = Object.fromEntries(servers.map((s) => [s.name, []]));
    this.stalls = [];
    this.loops = [this.sampleLoop(), ...servers.map((s) => this.healthLoop(s))];
  }

  async sampleLoop() {
    let n = 0;
    while (!this.stopped) {
      for (const s of this.servers) {
        const m = s.memory();
        if (!m) continue;
        this.peak[s.name] = Math.max(this.peak[s.name], m.rss);
        if (n % 10 === 0) this.timeline[s.name].push([+now().toFixed(0), m.rss]);
      }
      ++n;
      await sleep(1000);
    }
  }

  // One probe at a time; consecutive unanswered probes are one stall.
  async healthLoop(s) {
    let stall = null;
    while (!this.stopped && !s.exit) {
      const r = await request(s.port, { path: '/health', timeoutMs: this.o.healthTimeoutS * 1000 });
      if (s.exit || this.stopped) break;
      if (r.status === 200) {
        stall = null;
      } else if (!stall) {
        stall = { server: s.name, kind: 'health-unanswered', t_s: +now().toFixed(1), status: r.status, error: r.error?.message };
        this.stalls.push(stall);
        log(`${s.name}: /health unanswered: ${JSON.stringify(stall)}`);
      }
      await sleep(2000);
    }
  }

  async stop() {
    this.stopped = true;
    await Promise.all(this.loops);
  }
}

// ---------------------------------------------------------------------------------------------
// Clients

class Clients {
  constructor(o, f, list, tally, servers) {
    Object.assign(this, { o, f, list, tally, servers });
    this.pause = null;        // a promise the clients wait on while paused
    this.resume = null;
    this.parked = 0;
    this.deadline = Infinity; // in now() seconds
    this.inFlight = new Array(o.clients).fill(null);
    this.crashed = false;
  }

  async runClient(id) {
    const rng = rngFor(`${this.o.seed}/client${id}`);
    const ctx = { id, rng, port: this.servers.main.port };
    while (now() < this.deadline && !this.crashed) {
      if (this.pause) {
        ++this.parked;
        await this.pause;
        --this.parked;
        continue;
      }
      const action = weighted(rng, this.list);
      const t = now();
      this.inFlight[id] = { action: action.name, t_s: +t.toFixed(1) };
      let outcome;
      try {
        outcome = await action.run(ctx);
      } catch (e) {  // a bug of the soak itself: reported as its own kind, never hidden
        outcome = { variant: 'soak-error', path: '-', result: { status: null, events: [], error: { kind: 'soak-bug', message: String(e.stack || e) } }, expect: [] };
      }
      this.inFlight[id] = { ...this.inFlight[id], path: outcome.path, variant: outcome.variant };
      const verdict = classify(outcome);
      this.tally.add(action.name, outcome, verdict, t);
      if (!verdict.expected && this.tally.unexpected[verdict.kind] <= 3) {
        log(`unexpected ${verdict.kind}: ${JSON.stringify(this.tally.samples[verdict.kind].at(-1)).slice(0, 600)}`);
      }
      this.inFlight[id] = null;
    }
  }

  run(deadlineS) {
    this.deadline = deadlineS;
    return Promise.all(Array.from({ length: this.o.clients }, (_, i) => this.runClient(i)));
  }

  // Stops new actions and waits (bounded by the request timeout) until every client is parked.
  async quiesce(clientsRunning) {
    this.pause = new Promise((resolve) => { this.resume = resolve; });
    const limit = Date.now() + (this.o.requestTimeoutS + 10) * 1000;
    while (clientsRunning() && this.parked < this.o.clients && Date.now() < limit) await sleep(50);
  }

  release() {
    const resume = this.resume;
    this.pause = null;
    this.resume = null;
    resume?.();
  }
}

// Polls /slots until no slot is processing (bounded); returns the slots still busy, if any.
async function slotsIdle(server, limitS = 60) {
  const limit = Date.now() + limitS * 1000;
  let busy = [];
  while (Date.now() < limit) {
    const r = await request(server.port, { path: '/slots', timeoutMs: 10000 });
    if (r.status === 200 && Array.isArray(r.body)) {
      busy = r.body.filter((s) => s.is_processing).map((s) => ({ id: s.id, n_decoded: s.n_decoded, prompt: String(s.prompt).slice(0, 80) }));
      if (!busy.length) return [];
    }
    await sleep(200);
  }
  return busy;
}

// RSS at rest: a connection's last buffers are freed just after its answer is written, so RSS is
// read every 500 ms until two readings agree within 64 kB (at most 20 readings); the last one.
async function restingRss(server) {
  let prev = server.memory()?.rss ?? null;
  for (let i = 0; i < 20 && prev !== null; i++) {
    await sleep(500);
    const cur = server.memory()?.rss ?? null;
    if (cur === null || Math.abs(cur - prev) <= 64) return cur;
    prev = cur;
  }
  return prev;
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const logs = path.join(path.dirname(o.out), 'logs');
  fs.mkdirSync(logs, { recursive: true });
  for (const [what, p] of [['cria', o.cria], ['model', o.model], ['mmproj', o.mmproj], ['embedding model', o.embeddingModel]]) {
    if (p && !fs.existsSync(p)) throw new Error(`${what} not found at ${p}${what === 'cria' ? ' (build it, or give --cria PATH)' : ''}`);
  }
  const slotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-soak-slots-'));
  const limitArgs = Object.entries(LIMITS).flatMap(([k, v]) => [LIMIT_FLAGS[k], String(v)]);
  const rel = (p) => path.relative(ROOT, p);
  const mainArgs = ['-m', rel(o.model), ...(o.mmproj ? ['--mmproj', rel(o.mmproj)] : []), '-np', String(o.parallel),
    '-c', String(o.ctx), '-t', String(o.threads), '-tb', String(o.threads), '--metrics', '--props',
    '--slot-save-path', slotDir, ...limitArgs, ...o.criaExtra];
  const servers = { main: new SoakServer('main', o.cria, mainArgs, path.join(logs, 'soak-cria.log')) };
  if (o.embeddingModel) {
    servers.embedding = new SoakServer('embedding', o.cria, ['-m', rel(o.embeddingModel), '--embedding', '-np', '2', '-c', '1024',
      '-t', String(o.threads), '-tb', String(o.threads)], path.join(logs, 'soak-cria-embedding.log'));
  }
  const all = Object.values(servers);
  const results = {
    date: new Date().toISOString(),
    version: (() => {
      try {
        return execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
      } catch {
        return 'unknown';
      }
    })(),
    machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model?.trim(), mem_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
      kernel: os.release(), loadavg_start: os.loadavg() },
    config: { cria: rel(o.cria), clients: o.clients, duration_s: o.durationS, warmup_s: o.warmupS, seed: o.seed, parallel: o.parallel, ctx: o.ctx,
      threads: o.threads, model: rel(o.model), mmproj: o.mmproj && rel(o.mmproj), embedding_model: o.embeddingModel && rel(o.embeddingModel),
      request_timeout_s: o.requestTimeoutS, health_timeout_s: o.healthTimeoutS, max_growth_pct: o.maxGrowthPct, limits: LIMITS },
    servers: {}, crashes: [], findings: [], failures: [],
  };
  let watch = null;
  let clients = null;
  const tally = new Tally();
  try {
    for (const s of all) {
      log(`starting ${s.name}: ${rel(s.bin)} ${s.args.join(' ')} (log ${rel(s.logPath)})`);
      await s.start();
    }
    const models = await request(servers.main.port, { path: '/v1/models', timeoutMs: 10000 });
    const props = await request(servers.main.port, { path: '/props', timeoutMs: 10000 });
    const nVocab = models.body?.data?.[0]?.meta?.n_vocab;
    if (!nVocab || !props.body?.n_ctx_slot) throw new Error(`no n_vocab in /v1/models or n_ctx_slot in /props: ${JSON.stringify(models.body)}`);
    let embedVocab = 0;
    if (servers.embedding) {
      embedVocab = (await request(servers.embedding.port, { path: '/v1/models', timeoutMs: 10000 })).body?.data?.[0]?.meta?.n_vocab;
      if (!embedVocab) throw new Error('no n_vocab in the embedding server\'s /v1/models');
    }
    const f = makeFixtures({ nVocab, parallel: o.parallel, limits: { ...LIMITS, maxBodyBytes: MAX_BODY_BYTES } });
    Object.assign(f, { nCtxSlot: props.body.n_ctx_slot, multimodal: !!props.body.modalities?.vision,
      embedPort: servers.embedding?.port, embedVocab, requestTimeoutMs: o.requestTimeoutS * 1000 });
    if (o.mmproj && !f.multimodal) results.findings.push('--mmproj given but /props reports no vision: images left out');
    const list = actions(f, o.without.filter((x) => x.startsWith('bad-request:')).map((x) => x.slice(12)))
      .filter((a) => (!o.only || o.only.includes(a.name)) && !o.without.includes(a.name));
    if (!list.length) throw new Error('--only / --without left no action');
    results.config.actions = Object.fromEntries(list.map((a) => [a.name, a.weight]));
    const rss = {};
    for (const s of all) rss[s.name] = { start: await restingRss(s) };
    const threads = Object.fromEntries(all.map((s) => [s.name, { start: s.memory().threads }]));
    log(`RSS at start: ${all.map((s) => `${s.name} ${rss[s.name].start} kB`).join(', ')}`);

    watch = new Watch(all, o);
    clients = new Clients(o, f, list, tally, servers);
    // A server that exits ends the run at once, with what was in flight.
    for (const s of all) {
      s.exited.then((e) => {
        if (s.stopping) return;
        results.crashes.push({ server: s.name, kind: 'exited', ...e, in_flight: clients.inFlight.filter(Boolean),
          log_tail: readLog(s.logPath).tail });
        log(`${s.name} EXITED: ${JSON.stringify(e)}`);
        clients.crashed = true;
      });
    }
    const tStart = now();
    let running = true;
    const pausedFor = { s: 0 };
    const done = clients.run(tStart + o.durationS).then(() => { running = false; });

    // Warm-up, then a pause to measure memory at rest.
    while (running && now() < tStart + o.warmupS) await sleep(200);
    if (running) {
      const t = now();
      log(`warm-up over (${tally.total.sent} actions): pausing the clients to measure memory at rest`);
      await clients.quiesce(() => running);
      for (const s of all) {
        if (s.name === 'main') {
          const busy = await slotsIdle(s);
          if (busy.length) results.findings.push(`after warm-up, slots still processing 60 s after every client stopped: ${JSON.stringify(busy)}`);
        }
        rss[s.name].after_warmup = await restingRss(s);
        threads[s.name].after_warmup = s.memory()?.threads ?? null;
      }
      log(`RSS after warm-up: ${all.map((s) => `${s.name} ${rss[s.name].after_warmup} kB`).join(', ')}`);
      pausedFor.s = now() - t;
      clients.deadline += pausedFor.s;  // the load runs for the whole --duration-s
      clients.release();
    }
    let lastReport = now();
    while (running) {
      await sleep(500);
      if (now() - lastReport >= 30) {
        lastReport = now();
        log(`${tally.total.sent} actions, ${tally.total.unexpected} unexpected; RSS ${all.map((s) => `${s.name} ${s.memory()?.rss ?? '-'} kB`).join(', ')}`);
      }
    }
    await done;
    log(`load over (${tally.total.sent} actions): waiting for the servers to settle`);
    for (const s of all) {
      if (s.exit) continue;
      if (s.name === 'main') {
        const busy = await slotsIdle(s);
        if (busy.length) results.findings.push(`at the end, slots still processing 60 s after every client stopped: ${JSON.stringify(busy)}`);
      }
      rss[s.name].end = await restingRss(s);
      threads[s.name].end = s.memory()?.threads ?? null;
    }
    await watch.stop();
    for (const s of all) {
      const r = rss[s.name];
      const m = s.memory();
      r.hwm = m?.hwm ?? null;
      r.anon_end = m?.anon ?? null;
      r.peak = Math.max(watch.peak[s.name], r.start ?? 0, r.after_warmup ?? 0, r.end ?? 0);
    }
    results.crashes.push(...watch.stalls);
    for (const s of all) {
      const shutdown = await s.stop();
      const r = rss[s.name];
      const growth = r.after_warmup && r.end ? ((r.end - r.after_warmup) / r.after_warmup) * 100 : null;
      const logInfo = readLog(s.logPath);
      results.servers[s.name] = { args: s.args, log: rel(s.logPath), rss_kb: r, growth_after_warmup_pct: growth, threads: threads[s.name],
        rss_timeline: watch.timeline[s.name], shutdown, log_levels: logInfo.levels, log_samples: logInfo.samples };
      if (s.exit?.signal && s.exit.signal !== 'SIGTERM' && !results.crashes.some((c) => c.server === s.name)) {
        results.crashes.push({ server: s.name, kind: 'died-at-shutdown', ...s.exit, log_tail: logInfo.tail });
      } else if (!/^exit code 0 /.test(shutdown) && !results.crashes.some((c) => c.server === s.name)) {
        results.findings.push(`${s.name} did not shut down cleanly: ${shutdown}`);
      }
      if (growth === null) results.failures.push(`${s.name}: no RSS growth figure (the run ended before the warm-up did, or the server died)`);
      else if (growth >= o.maxGrowthPct) results.failures.push(`${s.name}: RSS grew ${growth.toFixed(2)}% after warm-up (limit ${o.maxGrowthPct}%)`);
    }
  } finally {
    if (watch && !watch.stopped) await watch.stop();
    for (const s of all) if (s.proc && !s.exit) await s.stop();
    fs.rmSync(slotDir, { recursive: true, force: true });
  }
  results.tally = tally;
  results.elapsed_s = now();
  results.machine.loadavg_end = os.loadavg();
  if (results.crashes.length) results.failures.unshift(`${results.crashes.length} crash(es)`);
  if (tally.total.unexpected) results.failures.unshift(`${tally.total.unexpected} unexpected outcome(s)`);
  if (results.findings.length) results.failures.push(`${results.findings.length} finding(s)`);
  results.passed = results.failures.length === 0;

  const md = markdown(results);
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(`${o.out.replace(/\.json$/, '')}.md`, `${md}\n`);
  process.stdout.write(`${textReport(results)}\nwrote ${rel(o.out)} and ${rel(o.out.replace(/\.json$/, ''))}.md\n`);
  process.exitCode = results.passed ? 0 : 1;
}

main().catch((e) => {
  process.stderr.write(`soak: ${process.env.SOAK_DEBUG ? e.stack || e : e.message || e}\n`);
  process.exit(2);  // the servers are killed on exit (trackChildren)
});
