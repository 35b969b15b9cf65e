// Benchmark of cria against llama.cpp's llama-server, plus llama-bench's raw limits.
//
// One run: checks the binaries and the model (generating models/bench.gguf if missing), runs
// llama-bench (pp512, tg128), then starts cria and llama-server in turn with the same options and
// drives each with 1, 4 and 8 concurrent streaming clients, for (a) distinct prompts and
// (b) prompts sharing a long common prefix. Prints a comparison table and markdown; writes
// bench/results/latest.json and bench/results/latest.md (plus the servers' logs under
// bench/results/logs/). No npm dependencies; loopback only; every wait is bounded.
//
// bench/run --help lists the options.

import { spawn, spawnSync, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
// The loopback helpers the end-to-end tests use: a free port, a sleep.
import { freePort, sleep } from '../tests/e2e/lib/cria.mjs';
import { trackChildren } from './children.mjs';
import { rngFor } from './random.mjs';
import { commandLine } from './args.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = path.join(ROOT, 'bench/results');
let LOGS = path.join(RESULTS, 'logs');  // next to --out (set in main)

// ---------------------------------------------------------------------------------------------
// Options

const HELP = `usage: bench/run [options]

  --quick              short version (~1-2 minutes): 1 request per client, clients 1,8,
                       llama-bench with 2 repetitions
  --requests N         requests each client sends in sequence (default 3, quick 1; env BENCH_REQUESTS)
  --clients LIST       concurrency levels, comma-separated (default 1,4,8; env BENCH_CLIENTS)
  --n-predict N        tokens generated per request (default 64)
  --prompt-tokens N    approximate length of a distinct prompt in tokens (default 380)
  --prefix-words N     words of the shared prefix (default 300)
  --suffix-words N     distinct words after the shared prefix (default 80)
  --threads N          -t and -tb for both servers and llama-bench (default 2)
  --fa on|off|auto     -fa for both servers and llama-bench (default auto, both servers' default;
                       note that cria reads auto as off on CPU, llama-server as on)
  --parallel N         -np for both servers (default: the largest client count)
  --ctx N              -c for both servers (default: 4096, or more if a slot would not fit
                       prompt + generation)
  --bench-reps N       llama-bench repetitions (default 5, quick 2; env BENCH_REPS)
  --no-llama-bench     skip llama-bench
  --servers LIST       which servers (default cria,llama-server)
  --blocks level|all   level (default): for each concurrency level start cria and llama-server
                       in turn (alternating which goes first) and run that level's two
                       scenarios, so both servers see the same background load; all: start
                       each server once and run every scenario on it
  --deadline-s N       start no scenario (or rerun) after N seconds (default 480, quick 150), so
                       that a run ends within ~10 minutes (quick: ~4) even on a busy machine
  --model PATH         default models/bench.gguf
  --cria PATH          default build/cria
  --llama-server PATH  default llama-server on PATH (then /usr/bin/llama-server)
  --llama-bench PATH   default llama-bench on PATH (then /usr/bin/llama-bench)
  --llama-extra ARGS   extra arguments for llama-server only (space-separated)
  --cria-extra ARGS    extra arguments for cria only (space-separated)
  --out PATH           default bench/results/latest.json (latest.md next to it)
  --nice N             run llama-bench and both servers at niceness N, each in its own session
                       whose autogroup gets the same niceness (Linux schedules autogroups, not
                       processes, against each other), and this client too. Default -10 when
                       run as root, else 0; --nice 0 turns it off. The same for both servers;
                       it only keeps other work on a shared machine from disturbing the figures
                       (env BENCH_NICE)
  --retries N          run a scenario again, up to N more times (default 2, quick 1), when other
                       processes used more than --disturbed of the CPUs during it; the attempt
                       with the least other load is kept
  --disturbed F        that threshold, as a fraction of all CPUs (default 0.2)
  --wait-quiet S       before each block, wait up to S seconds (default 20, quick 5) for the
                       machine's other load to fall under 25% of its CPUs; then go on anyway
`;

function parseArgs(argv) {
  const o = {
    quick: false,
    requests: process.env.BENCH_REQUESTS ? Number(process.env.BENCH_REQUESTS) : undefined,
    clients: process.env.BENCH_CLIENTS ? process.env.BENCH_CLIENTS.split(',').map(Number) : undefined,
    nPredict: 64,
    promptTokens: 380,
    prefixWords: 300,
    suffixWords: 80,
    threads: 2,
    fa: 'auto',
    parallel: undefined,
    ctx: undefined,
    benchReps: process.env.BENCH_REPS ? Number(process.env.BENCH_REPS) : undefined,
    llamaBench: true,
    servers: ['cria', 'llama-server'],
    blocks: 'level',
    deadlineS: undefined,
    model: path.join(ROOT, 'models/bench.gguf'),
    cria: path.join(ROOT, 'build/cria'),
    llamaServer: undefined,
    llamaBenchBin: undefined,
    llamaExtra: [],
    criaExtra: [],
    out: path.join(RESULTS, 'latest.json'),
    nice: process.env.BENCH_NICE ? Number(process.env.BENCH_NICE) : undefined,
    retries: undefined,
    disturbed: 0.2,
    waitQuietS: undefined,
  };
  for (const { name: a, val, int } of commandLine(argv, 0)) {
    switch (a) {
      case '-h': case '--help': process.stdout.write(HELP); process.exit(0); break;
      case '--quick': o.quick = true; break;
      case '--requests': o.requests = int(); break;
      case '--clients': o.clients = val().split(',').map(Number); break;
      case '--n-predict': o.nPredict = int(); break;
      case '--prompt-tokens': o.promptTokens = int(); break;
      case '--prefix-words': o.prefixWords = int(); break;
      case '--suffix-words': o.suffixWords = int(); break;
      case '--threads': o.threads = int(); break;
      case '--fa': o.fa = val(); break;
      case '--parallel': o.parallel = int(); break;
      case '--ctx': o.ctx = int(); break;
      case '--bench-reps': o.benchReps = int(); break;
      case '--no-llama-bench': o.llamaBench = false; break;
      case '--servers': o.servers = val().split(','); break;
      case '--blocks': o.blocks = val(); break;
      case '--deadline-s': o.deadlineS = int(); break;
      case '--model': o.model = path.resolve(val()); break;
      case '--cria': o.cria = path.resolve(val()); break;
      case '--llama-server': o.llamaServer = val(); break;
      case '--llama-bench': o.llamaBenchBin = val(); break;
      case '--llama-extra': o.llamaExtra = val().split(/\s+/).filter(Boolean); break;
      case '--cria-extra': o.criaExtra = val().split(/\s+/).filter(Boolean); break;
      case '--out': o.out = path.resolve(val()); break;
      case '--nice': o.nice = Number(val()); break;
      case '--retries': o.retries = int(); break;
      case '--disturbed': o.disturbed = Number(val()); break;
      case '--wait-quiet': o.waitQuietS = int(); break;
      default: throw new Error(`unknown option ${a} (see bench/run --help)`);
    }
  }
  o.requests ??= o.quick ? 1 : 3;
  o.clients ??= o.quick ? [1, 8] : [1, 4, 8];
  o.benchReps ??= o.quick ? 2 : 5;
  o.deadlineS ??= o.quick ? 150 : 480;
  o.waitQuietS ??= o.quick ? 5 : 20;
  o.retries ??= o.quick ? 1 : 2;
  o.nice ??= process.getuid && process.getuid() === 0 ? -10 : 0;
  if (!Number.isInteger(o.nice) || o.nice < -20 || o.nice > 19) throw new Error('--nice: -20..19');
  if (o.clients.some((c) => !Number.isInteger(c) || c < 1 || c > 64)) throw new Error('--clients: integers 1..64');
  if (o.requests < 1 || o.requests > 50) throw new Error('--requests: 1..50');
  for (const s of o.servers) {
    if (s !== 'cria' && s !== 'llama-server') throw new Error(`--servers: unknown server ${s}`);
  }
  if (o.blocks !== 'level' && o.blocks !== 'all') throw new Error('--blocks: level or all');
  if (!['on', 'off', 'auto'].includes(o.fa)) throw new Error('--fa: on, off or auto');
  o.parallel ??= Math.max(...o.clients);
  return o;
}

function which(name, fallback) {
  for (const dir of (process.env.PATH || '').split(':')) {
    const p = path.join(dir || '.', name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch { /* next */ }
  }
  return fallback;
}

// ---------------------------------------------------------------------------------------------
// Prompts: text built from common English words (each ~1 token in the bench model's vocabulary),
// deterministic per seed string.

const WORDS = `the be to of and a in that have it for not on with he as you do at this but his by from
they we say her she or an will my one all would there their what so up out if about who get which go
me when make can like time no just him know take people into year your good some could them see other
than then now look only come its over think also back after use two how our work first well way even
new want because any these give day most us is are was were been has had did does said made went got
came here where why very much many more such each own same long little great old big high small large
next early young important few public bad able last right left best better sure free true false full
real open close hello world yes please thank thanks sorry help question answer tell ask call try need
feel become leave put mean keep let begin seem show hear play run move live believe hold bring happen
write provide sit stand lose pay meet include continue set learn change lead understand watch follow
stop create speak read allow add spend grow offer remember love consider appear buy wait serve die
send expect build stay fall cut reach kill remain quick brown fox jump jumps lazy dog cat bird fish
horse tree house home water fire earth air sun moon star sky sea river mountain city country road
street car train ship book story word name number part place case week company system program group
problem fact hand eye head face body life child children man men woman women friend family mother
father school student teacher room money night morning evening point government state business
service end line side kind thing things idea example information power game music food light color
red green blue black white yellow hot cold warm happy sad strong short simple easy hard fast slow
still again never always often sometimes today tomorrow yesterday before between under through during
without around while though since until against among another every both those something nothing
everything someone anyone maybe however therefore model language text token server request response
data file code test value result error message chat user assistant input output list table page
function return null string computer machine learning network memory speed once upon king queen
castle forest dragon knight princess village journey adventure magic dream door window garden flower
rain snow wind summer winter spring autumn three four five six seven eight nine ten hundred thousand
million second third explain describe translate summarize count capital france paris london english
science history math art picture voice sound song dance walk talk eat drink sleep wake laugh smile
cry thought told found gave took knew saw felt began kept heard brought wrote stood ran sat ago away
down off above below near far inside outside together alone almost enough quite rather really
already yet soon later perhaps probably certainly exactly`.split(/\s+/).filter(Boolean);

// Sentences of 8..14 words, each ending with "." (one more token). Stops when `words` words are
// written, or, when maxTokens is given, when the estimate (words + full stops) reaches it.
function makeText(seed, { words = Infinity, maxTokens = Infinity }) {
  const rnd = rngFor(seed);
  const out = [];
  let n = 0;
  let est = 0;
  let left = 0;
  while (n < words && est < maxTokens) {
    if (left === 0) left = 8 + Math.floor(rnd() * 7);
    let w = WORDS[Math.floor(rnd() * WORDS.length)];
    --left;
    ++n;
    ++est;
    if (left === 0 || n === words || est + 1 >= maxTokens) {
      w += '.';
      ++est;
      left = 0;
    }
    out.push(w);
  }
  return out.join(' ');
}

// The prompts of one scenario: prompts[client][request].
// A retry (attempt > 0) gets fresh text, so nothing cached by an earlier attempt helps it.
function scenarioPrompts(sc, o, attempt = 0) {
  const prompts = [];
  const tag = attempt ? `${sc.name}#${attempt}` : sc.name;
  const prefix = sc.kind === 'shared' ? makeText(`prefix/${tag}`, { words: o.prefixWords }) : '';
  for (let c = 0; c < sc.clients; ++c) {
    const row = [];
    for (let r = 0; r < o.requests; ++r) {
      const seed = `${tag}/client${c}/request${r}`;
      row.push(sc.kind === 'shared'
        ? `${prefix} ${makeText(seed, { words: o.suffixWords })}`
        : makeText(seed, { maxTokens: o.promptTokens }));
    }
    prompts.push(row);
  }
  return prompts;
}

// ---------------------------------------------------------------------------------------------
// HTTP

function postJson(port, p, body, timeoutMs = 30000) {
  return new Promise((resolve, reject) => {
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request({
      host: '127.0.0.1', port, path: p, method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': data.length },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode, body: JSON.parse(text) });
        } catch {
          resolve({ status: res.statusCode, body: text });
        }
      });
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`POST ${p}: timed out after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

function getStatus(port, p, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
      res.on('error', () => resolve(0));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(0));
  });
}

// One streaming /completion request, timed on the client. Resolves (never rejects) with a record.
function streamCompletion(port, body, timeoutMs) {
  return new Promise((resolve) => {
    const rec = {
      t_send: performance.now(), t_first_event: null, t_first_token: null, t_last_token: null,
      t_done: null, token_events: 0, tokens_predicted: null, timings: null, error: null,
    };
    let settled = false;
    const finish = (err) => {
      if (settled) return;
      settled = true;
      rec.t_done = performance.now();
      if (err) rec.error = String(err.message || err);
      else if (!rec.timings) rec.error = 'stream ended without a final "stop": true event';
      resolve(rec);
    };
    const data = Buffer.from(JSON.stringify(body));
    const req = http.request({
      host: '127.0.0.1', port, path: '/completion', method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': data.length, Accept: 'text/event-stream' },
    }, (res) => {
      res.setEncoding('utf8');
      if (res.statusCode !== 200) {
        let text = '';
        res.on('data', (d) => { text += d; });
        res.on('end', () => finish(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`)));
        return;
      }
      let buf = '';
      res.on('data', (chunk) => {
        const now = performance.now();
        buf += chunk;
        let cut;
        while ((cut = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, cut);
          buf = buf.slice(cut + 2);
          for (const line of frame.split('\n')) {
            if (!line.startsWith('data: ')) continue;
            const payload = line.slice(6).trim();
            if (payload === '[DONE]') continue;
            let ev;
            try {
              ev = JSON.parse(payload);
            } catch {
              continue;
            }
            if (rec.t_first_event === null) rec.t_first_event = now;
            const hasToken = (Array.isArray(ev.tokens) && ev.tokens.length > 0) ||
              (typeof ev.content === 'string' && ev.content.length > 0);
            if (hasToken && !ev.stop) {
              if (rec.t_first_token === null) rec.t_first_token = now;
              rec.t_last_token = now;
              rec.token_events += 1;
            }
            if (ev.stop) {
              rec.timings = ev.timings || {};
              rec.tokens_predicted = ev.tokens_predicted ?? ev.timings?.predicted_n ?? rec.token_events;
            }
          }
        }
      });
      res.on('end', () => finish(null));
      res.on('error', (e) => finish(e));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
    req.on('error', (e) => finish(e));
    req.end(data);
  });
}


// ---------------------------------------------------------------------------------------------
// CPU accounting (to show how busy the machine was with other work during each scenario)

let CLK_TCK = 100;
try {
  CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch { /* keep 100 */ }

function systemTicks() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal
    const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
    return { busy: user + nice + system + irq + softirq, steal: steal || 0, idle: idle + iowait };
  } catch {
    return null;
  }
}

function procTicks(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);  // utime + stime (fields 14 and 15)
  } catch {
    return null;
  }
}

function cpuSnapshot(pid) {
  const u = process.cpuUsage();
  return { sys: systemTicks(), server: procTicks(pid), self: (u.user + u.system) / 1e6, t: performance.now() };
}

function cpuDelta(a, b) {
  const wall = (b.t - a.t) / 1000;
  const ncpu = os.cpus().length;
  const out = { wall_s: wall };
  if (a.server !== null && b.server !== null) out.server_cpu_s = (b.server - a.server) / CLK_TCK;
  if (a.sys && b.sys) {
    const busy = (b.sys.busy - a.sys.busy) / CLK_TCK;
    out.steal_frac = (b.sys.steal - a.sys.steal) / CLK_TCK / (wall * ncpu);
    const other = busy - (out.server_cpu_s ?? 0) - (b.self - a.self);
    out.other_cpu_frac = Math.max(0, other) / (wall * ncpu);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Servers

const children = trackChildren('bench', 130);  // killed on exit and on signals
let NICE = 0;  // niceness for the servers and llama-bench (set in main)

// A child started detached leads its own session, hence its own scheduler autogroup; give that
// group the niceness too (plain nice has no effect across autogroups).
function boost(pid) {
  if (!NICE || !pid) return;
  try {
    fs.writeFileSync(`/proc/${pid}/autogroup`, String(NICE));
  } catch { /* no autogroup support: the nice value alone applies */ }
}

// Runs a command to completion, detached (own session) and boosted; resolves with its stdout.
function runCommand(bin, args, timeoutMs) {
  return new Promise((resolve, reject) => {
    const [cmd, argv] = NICE ? ['nice', ['-n', String(NICE), bin, ...args]] : [bin, args];
    const child = spawn(cmd, argv, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    boost(child.pid);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); children.delete(child); reject(e); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${bin} exited with ${code ?? signal}: ${err.split('\n').slice(-5).join(' ')}`));
    });
  });
}

// Share of the machine's CPUs busy with work other than our own processes over `ms`.
async function otherLoad(ms, pids = []) {
  const a = systemTicks();
  const pa = pids.map(procTicks);
  const sa = process.cpuUsage();
  await sleep(ms);
  const b = systemTicks();
  const pb = pids.map(procTicks);
  const sb = process.cpuUsage(sa);
  if (!a || !b) return null;
  const ours = sum(pb.map((x, i) => (x !== null && pa[i] !== null ? x - pa[i] : 0))) / CLK_TCK + (sb.user + sb.system) / 1e6;
  const busy = (b.busy - a.busy) / CLK_TCK;
  return Math.max(0, busy - ours) / ((ms / 1000) * os.cpus().length);
}

async function waitQuiet(maxS) {
  const t0 = Date.now();
  let last = null;
  const samples = [];
  do {
    last = await otherLoad(1000);
    if (last === null) return { other_load: null, waited_s: 0 };
    samples.push(last);
    if (last < 0.25) break;
  } while (Date.now() - t0 < maxS * 1000);
  return { other_load: +last.toFixed(3), waited_s: +((Date.now() - t0) / 1000).toFixed(1) };
}


class Server {
  constructor(name, bin, args, port, logPath) {
    this.name = name;
    this.bin = bin;
    this.args = args;
    this.port = port;
    this.logPath = logPath;
  }

  async start(timeoutMs = 120000) {
    const fd = fs.openSync(this.logPath, 'w');
    const [cmd, argv] = NICE ? ['nice', ['-n', String(NICE), this.bin, ...this.args]] : [this.bin, this.args];
    this.proc = spawn(cmd, argv, { stdio: ['ignore', fd, fd], cwd: ROOT, detached: true });
    fs.closeSync(fd);
    children.add(this.proc);
    boost(this.proc.pid);
    this.exitInfo = null;
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => {
      this.exitInfo = { code, signal };
      children.delete(this.proc);
      resolve(this.exitInfo);
    }));
    const t0 = performance.now();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exitInfo) throw new Error(`${this.name} exited during start-up (${JSON.stringify(this.exitInfo)}); log:\n${this.logTail()}`);
      if (await getStatus(this.port, '/health') === 200) {
        this.startup_s = (performance.now() - t0) / 1000;
        return;
      }
      await sleep(200);
    }
    await this.stop();
    throw new Error(`${this.name}: /health not 200 after ${timeoutMs} ms; log:\n${this.logTail()}`);
  }

  async stop() {
    if (!this.proc || this.exitInfo) return;
    this.proc.kill('SIGTERM');
    const t = await Promise.race([this.exited, sleep(10000).then(() => null)]);
    if (!t) {
      this.proc.kill('SIGKILL');
      await Promise.race([this.exited, sleep(5000)]);
    }
  }

  logTail(n = 30) {
    try {
      return fs.readFileSync(this.logPath, 'utf8').split('\n').slice(-n).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

function helpText(bin) {
  try {
    return execFileSync(bin, ['--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20000 });
  } catch (e) {
    return `${e.stdout || ''}${e.stderr || ''}`;
  }
}

// Whether `flag` is an option of the binary (and not marked "not supported yet").
function hasFlag(help, flag) {
  const re = new RegExp(`(^|[\\s,])${flag.replace(/[-]/g, '\\-')}([\\s,=]|$)`);
  return help.split('\n').some((line) => re.test(line) && !/not supported/i.test(line));
}

function version(bin) {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20000 });
  const text = `${r.stdout || ''}\n${r.stderr || ''}`.split('\n').filter((l) => /version|built with/i.test(l));
  return text.slice(0, 2).join(' / ') || 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Statistics

function percentile(values, p) {  // nearest rank
  if (!values.length) return null;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

function summarize(records, cpu) {
  const ok = records.filter((r) => !r.error);
  const t0 = Math.min(...records.map((r) => r.t_send));
  const t1 = Math.max(...records.map((r) => r.t_done));
  const wall = (t1 - t0) / 1000;
  const gen = sum(ok.map((r) => r.tokens_predicted ?? 0));
  const ttft = ok.map((r) => ((r.t_first_token ?? r.t_first_event ?? r.t_done) - r.t_send));
  const e2e = ok.map((r) => r.t_done - r.t_send);
  const promptN = sum(ok.map((r) => r.timings?.prompt_n ?? 0));
  const promptMs = sum(ok.map((r) => r.timings?.prompt_ms ?? 0));
  const predN = sum(ok.map((r) => r.timings?.predicted_n ?? 0));
  const predMs = sum(ok.map((r) => r.timings?.predicted_ms ?? 0));
  const streamTok = sum(ok.map((r) => Math.max(0, r.token_events - 1)));
  const streamMs = sum(ok.map((r) => (r.t_first_token !== null ? r.t_last_token - r.t_first_token : 0)));
  return {
    requests: records.length,
    errors: records.length - ok.length,
    error_samples: records.filter((r) => r.error).slice(0, 3).map((r) => r.error),
    wall_s: wall,
    generated_tokens: gen,
    gen_tps: wall > 0 ? gen / wall : null,
    ttft_ms_p50: percentile(ttft, 50),
    ttft_ms_p99: percentile(ttft, 99),
    ttft_ms_mean: ttft.length ? sum(ttft) / ttft.length : null,
    e2e_ms_p50: percentile(e2e, 50),
    e2e_ms_max: e2e.length ? Math.max(...e2e) : null,
    prompt_n_total: promptN,
    prompt_n_mean: ok.length ? promptN / ok.length : null,
    cache_n_mean: ok.length ? sum(ok.map((r) => r.timings?.cache_n ?? 0)) / ok.length : null,
    prompt_tps_server: promptMs > 0 ? (promptN / promptMs) * 1000 : null,
    decode_tps_server_per_stream: predMs > 0 ? (predN / predMs) * 1000 : null,
    decode_tps_client_per_stream: streamMs > 0 ? (streamTok / streamMs) * 1000 : null,
    ...(cpu ? { cpu } : {}),
    // Every request, times in ms from the scenario's start (for looking into a figure).
    per_request: records.map((r) => ({
      client: r.client, request: r.request, sent: +(r.t_send - t0).toFixed(1),
      ttft: r.t_first_token !== null ? +(r.t_first_token - r.t_send).toFixed(1) : null,
      done: +(r.t_done - t0).toFixed(1), tokens: r.tokens_predicted,
      prompt_n: r.timings?.prompt_n ?? null, cache_n: r.timings?.cache_n ?? null,
      prompt_ms: r.timings?.prompt_ms !== undefined ? +r.timings.prompt_ms.toFixed(1) : null,
      predicted_ms: r.timings?.predicted_ms !== undefined ? +r.timings.predicted_ms.toFixed(1) : null,
      error: r.error ?? undefined,
    })),
  };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

async function runScenario(server, sc, o, prompts, remainingMs) {
  const timeoutMs = Math.max(10000, Math.min(240000, remainingMs));
  const records = [];
  const before = cpuSnapshot(server.proc.pid);
  const clients = [];
  for (let c = 0; c < sc.clients; ++c) {
    clients.push((async () => {
      for (let r = 0; r < o.requests; ++r) {
        const rec = await streamCompletion(server.port, {
          prompt: prompts[c][r],
          n_predict: o.nPredict,
          stream: true,
          temperature: 0,
          cache_prompt: sc.cachePrompt,
          ignore_eos: true,
        }, timeoutMs);
        rec.client = c;
        rec.request = r;
        records.push(rec);
        if (rec.error) break;
      }
    })());
  }
  await Promise.all(clients);
  const after = cpuSnapshot(server.proc.pid);
  const m = summarize(records, cpuDelta(before, after));
  m.loadavg_after = os.loadavg()[0];
  return m;
}

async function tokenCounts(port, prompts) {
  const counts = [];
  for (const row of prompts) {
    for (const p of row) {
      const r = await postJson(port, '/tokenize', { content: p });
      if (r.status !== 200 || !Array.isArray(r.body?.tokens)) return null;
      counts.push(r.body.tokens.length + 1);  // + BOS
    }
  }
  return counts;
}

async function runLlamaBench(bin, o) {
  const args = ['-m', o.model, '-t', String(o.threads), '-fa', o.fa, '-p', '512', '-n', '128', '-r', String(o.benchReps), '-o', 'json'];
  log(`llama-bench ${args.join(' ')}`);
  const t0 = performance.now();
  const outText = await runCommand(bin, args, 420000);
  const rows = JSON.parse(outText);
  const pick = (pred) => rows.find(pred);
  const pp = pick((r) => r.n_prompt > 0 && r.n_gen === 0);
  const tg = pick((r) => r.n_gen > 0 && r.n_prompt === 0);
  const brief = (r) => (r ? {
    tps: r.avg_ts, stddev: r.stddev_ts, samples: r.samples_ts, n_prompt: r.n_prompt, n_gen: r.n_gen,
    n_threads: r.n_threads, flash_attn: r.flash_attn, type_k: r.type_k, n_batch: r.n_batch, n_ubatch: r.n_ubatch,
  } : null);
  // Decode at the depth a single-stream server request decodes at (its prompt length): the
  // attention over the prompt makes this slower than tg128 at depth 0 on a model this small.
  const depth = o.promptTokens + 1;
  const dargs = ['-m', o.model, '-t', String(o.threads), '-fa', o.fa, '-p', '0', '-n', String(o.nPredict), '-d', String(depth),
    '-r', String(o.benchReps), '-o', 'json'];
  log(`llama-bench ${dargs.join(' ')}`);
  let tgDepth = null;
  try {
    tgDepth = brief(JSON.parse(await runCommand(bin, dargs, 300000)).find((r) => r.n_gen > 0));
    if (tgDepth) tgDepth.n_depth = depth;
  } catch (e) {
    log(`llama-bench at depth ${depth} failed: ${e.message}`);
  }
  return {
    args,
    args_depth: dargs,
    wall_s: (performance.now() - t0) / 1000,
    build: rows[0] ? `${rows[0].build_commit} (${rows[0].build_number})` : null,
    cpu_info: rows[0]?.cpu_info,
    pp512: brief(pp),
    tg128: brief(tg),
    tg_at_depth: tgDepth,
  };
}

// ---------------------------------------------------------------------------------------------
// Output

const fmt = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));

const METRICS = [
  { key: 'gen_tps', label: 'generated tok/s (aggregate)', better: 'higher', d: 1 },
  { key: 'ttft_ms_p50', label: 'TTFT p50 ms', better: 'lower', d: 0 },
  { key: 'ttft_ms_p99', label: 'TTFT p99 ms', better: 'lower', d: 0 },
  { key: 'prompt_tps_server', label: 'prompt tok/s per request (server timings)', better: 'higher', d: 1 },
];

function comparisons(results, scenarios) {
  const rows = [];
  for (const sc of scenarios) {
    const a = results.servers.cria?.scenarios?.[sc.name];
    const b = results.servers['llama-server']?.scenarios?.[sc.name];
    for (const m of METRICS) {
      const va = a?.[m.key] ?? null;
      const vb = b?.[m.key] ?? null;
      const ratio = va !== null && vb !== null && vb > 0 ? va / vb : null;
      let cria_better = null;
      if (ratio !== null) cria_better = m.better === 'higher' ? ratio >= 1 : ratio <= 1;
      rows.push({ scenario: sc.name, metric: m.key, label: m.label, better: m.better, cria: va, llama_server: vb, ratio, cria_better });
    }
  }
  return rows;
}

function markdown(results) {
  const L = [];
  const cfg = results.config;
  L.push(`Run ${results.date} on ${results.machine.cpus} cores (${results.machine.cpu_model}), ` +
    `${cfg.quick ? 'quick mode' : 'full mode'}: ${cfg.requests} request(s) per client in sequence, ` +
    `n_predict ${cfg.n_predict}, ignore_eos, temperature 0` +
    `${cfg.nice ? `, servers and llama-bench at niceness ${cfg.nice}` : ''}. Load average at start ` +
    `${results.machine.loadavg_start.map((x) => x.toFixed(1)).join(' ')}, at end ` +
    `${(results.machine.loadavg_end ?? []).map((x) => x.toFixed(1)).join(' ')}.`);
  L.push('');
  L.push(`Server options (both): \`${results.common_args.join(' ')}\`; llama-server also \`${results.llama_only_args.join(' ') || '(none)'}\`.`);
  L.push('');
  const lb = results.llama_bench;
  if (lb && !lb.error) {
    L.push(`| llama-bench (raw, -t ${cfg.threads} -fa ${cfg.flash_attn}) | tok/s |`);
    L.push('|---|---:|');
    L.push(`| pp512 | ${fmt(lb.pp512?.tps)} ± ${fmt(lb.pp512?.stddev)} |`);
    L.push(`| tg128 | ${fmt(lb.tg128?.tps)} ± ${fmt(lb.tg128?.stddev)} |`);
    if (lb.tg_at_depth) {
      L.push(`| tg${lb.tg_at_depth.n_gen} @ depth ${lb.tg_at_depth.n_depth} (a distinct prompt's length) | ` +
        `${fmt(lb.tg_at_depth.tps)} ± ${fmt(lb.tg_at_depth.stddev)} |`);
    }
    L.push('');
  } else if (lb?.error) {
    L.push(`llama-bench failed: ${lb.error}`);
    L.push('');
  }
  const ss = results.single_stream;
  if (ss) {
    L.push('| single stream decode (1 client, distinct) | cria | llama-server |');
    L.push('|---|---:|---:|');
    L.push(`| decode tok/s, server timings | ${fmt(ss.cria?.decode_tps_server)} | ${fmt(ss['llama-server']?.decode_tps_server)} |`);
    L.push(`| decode tok/s, client inter-token | ${fmt(ss.cria?.decode_tps_client)} | ${fmt(ss['llama-server']?.decode_tps_client)} |`);
    L.push(`| server decode / raw tg128 | ${fmt(ss.cria?.ratio_vs_tg128, 3)} | ${fmt(ss['llama-server']?.ratio_vs_tg128, 3)} |`);
    L.push(`| server decode / raw tg at the same depth | ${fmt(ss.cria?.ratio_vs_tg_at_depth, 3)} | ` +
      `${fmt(ss['llama-server']?.ratio_vs_tg_at_depth, 3)} |`);
    L.push(`| first request only: decode tok/s | ${fmt(ss.cria?.decode_tps_first_request)} | ` +
      `${fmt(ss['llama-server']?.decode_tps_first_request)} |`);
    L.push(`| first request only: / raw tg at the same depth | ${fmt(ss.cria?.ratio_first_request_vs_tg_at_depth, 3)} | ` +
      `${fmt(ss['llama-server']?.ratio_first_request_vs_tg_at_depth, 3)} |`);
    L.push('');
  }
  L.push('| scenario | metric | cria | llama-server | cria / llama-server | cria even or better? |');
  L.push('|---|---|---:|---:|---:|:---:|');
  for (const r of results.comparison) {
    const d = METRICS.find((m) => m.key === r.metric).d;
    L.push(`| ${r.scenario} | ${r.label} (${r.better} is better) | ${fmt(r.cria, d)} | ${fmt(r.llama_server, d)} | ` +
      `${fmt(r.ratio, 3)} | ${r.cria_better === null ? '-' : r.cria_better ? 'yes' : '**no**'} |`);
  }
  L.push('');
  L.push('| scenario | server | prompt tokens (mean, incl. BOS) | cached tokens (mean) | per-stream decode tok/s | wall s | errors | server CPU s | other load | attempts |');
  L.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const sc of results.scenarios) {
    for (const s of Object.keys(results.servers)) {
      const m = results.servers[s].scenarios?.[sc.name];
      if (!m) continue;
      L.push(`| ${sc.name} | ${s} | ${fmt(m.prompt_n_mean + (m.cache_n_mean ?? 0), 0)} | ${fmt(m.cache_n_mean, 0)} | ` +
        `${fmt(m.decode_tps_server_per_stream)} | ${fmt(m.wall_s, 1)} | ${m.errors} | ${fmt(m.cpu?.server_cpu_s, 1)} | ` +
        `${m.cpu?.other_cpu_frac === undefined ? '-' : `${fmt(100 * m.cpu.other_cpu_frac, 0)}%`} | ${m.attempts ?? 1} |`);
    }
  }
  L.push('');
  L.push('TTFT: from sending the request to the first streamed event carrying a token, on the client; ' +
    'p50/p99 are nearest-rank over all requests of the scenario (clients x requests, so p99 is about the worst). ' +
    '"prompt tok/s per request": sum of prompt_n over sum of prompt_ms from the servers\' own timings; under ' +
    'concurrency a request\'s prompt_ms includes the time its batch spent on other requests. ' +
    '"other load": share of the machine\'s CPU time used by processes other than the server and the ' +
    'benchmark client during the scenario (non-zero means the figures are disturbed by other work).');
  return L.join('\n');
}

function textTable(results) {
  const rows = [['scenario', 'metric', 'cria', 'llama-server', 'ratio', 'cria ok?']];
  for (const r of results.comparison) {
    const d = METRICS.find((m) => m.key === r.metric).d;
    rows.push([r.scenario, `${r.label} (${r.better} better)`, fmt(r.cria, d), fmt(r.llama_server, d), fmt(r.ratio, 3),
      r.cria_better === null ? '-' : r.cria_better ? 'yes' : 'NO']);
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => (i >= 2 && i <= 4 ? String(c).padStart(w[i]) : String(c).padEnd(w[i]))).join('  ')).join('\n');
}

function log(msg) {
  const t = ((performance.now() - T0) / 1000).toFixed(1).padStart(6);
  process.stderr.write(`[bench ${t}s] ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// Main

const T0 = performance.now();

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const deadline = Date.now() + o.deadlineS * 1000;
  if (o.nice !== 0) {
    if (o.nice < 0 && process.getuid && process.getuid() !== 0) {
      log(`--nice ${o.nice} needs root: running at niceness 0`);
      o.nice = 0;
    } else {
      NICE = o.nice;
      try {
        os.setPriority(NICE);  // this client too, so its timing is not delayed either
        // Its autogroup is the caller's session: boost it for the run, restore it at exit.
        const m = /nice\s+(-?\d+)/.exec(fs.readFileSync('/proc/self/autogroup', 'utf8'));
        if (m) {
          const before = m[1];
          boost(process.pid);
          process.on('exit', () => {
            try {
              fs.writeFileSync('/proc/self/autogroup', before);
            } catch { /* best effort */ }
          });
        }
      } catch (e) {
        log(`could not set this process's niceness: ${e.message}`);
      }
    }
  }
  LOGS = path.join(path.dirname(o.out), 'logs');
  fs.mkdirSync(LOGS, { recursive: true });
  for (const f of fs.readdirSync(LOGS)) {  // logs of an earlier run
    if (/^(cria|llama-server)-\d+\.log$/.test(f)) fs.rmSync(path.join(LOGS, f));
  }

  // 1. Binaries and model.
  const llamaServer = o.llamaServer ?? which('llama-server', '/usr/bin/llama-server');
  const llamaBench = o.llamaBenchBin ?? which('llama-bench', '/usr/bin/llama-bench');
  const need = [];
  if (o.servers.includes('cria')) need.push(['cria', o.cria]);
  if (o.servers.includes('llama-server')) need.push(['llama-server', llamaServer]);
  if (o.llamaBench) need.push(['llama-bench', llamaBench]);
  for (const [name, p] of need) {
    try {
      fs.accessSync(p, fs.constants.X_OK);
    } catch {
      throw new Error(`${name} not found or not executable at ${p}${name === 'cria' ? ' (run scripts/build)' : ''}`);
    }
  }
  if (!fs.existsSync(o.model)) {
    const script = path.join(ROOT, 'scripts/make-bench-model');
    const maker = path.join(ROOT, 'build/make-model');
    fs.mkdirSync(path.dirname(o.model), { recursive: true });
    if (fs.existsSync(script)) {
      log(`${o.model} missing: running scripts/make-bench-model`);
      execFileSync(script, [], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 600000 });
    } else if (fs.existsSync(maker)) {
      log(`${o.model} missing: running build/make-model --preset bench`);
      execFileSync(maker, ['--out', o.model, '--preset', 'bench'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 600000 });
    } else {
      throw new Error(`${o.model} missing and neither scripts/make-bench-model nor build/make-model exists (run scripts/build)`);
    }
    if (!fs.existsSync(o.model)) throw new Error(`${o.model} still missing after generating it`);
  }

  // Scenarios.
  const scenarios = [];
  for (const c of o.clients) {
    scenarios.push({ name: `distinct-${c}c`, kind: 'distinct', clients: c, cachePrompt: false });
    scenarios.push({ name: `shared-prefix-${c}c`, kind: 'shared', clients: c, cachePrompt: true });
  }
  const prompts = Object.fromEntries(scenarios.map((sc) => [sc.name, scenarioPrompts(sc, o)]));
  const promptsFor = (sc, attempt) => (attempt ? scenarioPrompts(sc, o, attempt) : prompts[sc.name]);

  // Context: every slot must hold its prompt plus the generated tokens (both servers split -c
  // evenly across slots when each slot has its own KV stream, their default with an explicit -np).
  // Estimate the longest prompt from the text (words + full stops + BOS, ~1 token each), with a
  // margin; the exact counts are checked with /tokenize once a server is up.
  const estTokens = (p) => p.split(' ').length + (p.match(/\./g) || []).length + 1;
  const longest = Math.max(...scenarios.flatMap((sc) => Array.from({ length: o.retries + 1 }, (_, a) => promptsFor(sc, a))).flat(2).map(estTokens));
  const perSlotNeed = Math.ceil((longest + o.nPredict) * 1.02) + 4;
  const ctx = o.ctx ?? Math.max(4096, Math.ceil((perSlotNeed * o.parallel) / 1024) * 1024);

  const criaHelp = o.servers.includes('cria') ? helpText(o.cria) : '';
  const llamaHelp = o.servers.includes('llama-server') ? helpText(llamaServer) : '';
  const commonArgs = ['-m', path.relative(ROOT, o.model), '-c', String(ctx), '-np', String(o.parallel),
    '-t', String(o.threads), '-tb', String(o.threads), '-b', '2048', '-ub', '512', '-fa', o.fa, '-cb', '-no-kvu'];
  const llamaOnly = [];
  if (llamaHelp && hasFlag(llamaHelp, '--no-webui')) llamaOnly.push('--no-webui');
  llamaOnly.push(...o.llamaExtra);
  const criaOnly = [];
  if (criaHelp && hasFlag(criaHelp, '--no-webui')) criaOnly.push('--no-webui');
  criaOnly.push(...o.criaExtra);

  const results = {
    date: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpu_model: os.cpus()[0]?.model?.trim(),
      mem_gib: +(os.totalmem() / 2 ** 30).toFixed(1),
      kernel: os.release(),
      loadavg_start: os.loadavg(),
    },
    config: {
      quick: o.quick, requests: o.requests, clients: o.clients, n_predict: o.nPredict, prompt_tokens: o.promptTokens,
      prefix_words: o.prefixWords, suffix_words: o.suffixWords, threads: o.threads, flash_attn: o.fa, parallel: o.parallel, ctx,
      blocks: o.blocks, bench_reps: o.benchReps, nice: o.nice, wait_quiet_s: o.waitQuietS, retries: o.retries,
      disturbed: o.disturbed,
      distinct: 'cache_prompt false: nothing is reused between requests',
      shared_prefix: 'cache_prompt true on both servers (the realistic setting: a common system prompt); ' +
        'each scenario has its own prefix, so its first requests start cold',
    },
    versions: {
      cria: (() => {
        try {
          return execFileSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
        } catch {
          return 'unknown';
        }
      })(),
      llama_server: o.servers.includes('llama-server') ? version(llamaServer) : null,
    },
    common_args: commonArgs,
    llama_only_args: llamaOnly,
    cria_only_args: criaOnly,
    scenarios: scenarios.map(({ name, kind, clients, cachePrompt }) => ({ name, kind, clients, cache_prompt: cachePrompt })),
    llama_bench: null,
    servers: {},
    notes: [],
  };

  // 2. llama-bench.
  if (o.llamaBench) {
    const q = await waitQuiet(o.waitQuietS);
    log(`other load before llama-bench ${fmt(100 * (q.other_load ?? 0), 0)}% (waited ${q.waited_s} s)`);
    try {
      results.llama_bench = await runLlamaBench(llamaBench, o);
      results.llama_bench.other_load_before = q.other_load;
      log(`llama-bench: pp512 ${fmt(results.llama_bench.pp512?.tps)} tok/s, tg128 ${fmt(results.llama_bench.tg128?.tps)} tok/s ` +
        `(${fmt(results.llama_bench.wall_s)} s)`);
    } catch (e) {
      results.llama_bench = { error: String(e.message || e).slice(0, 500) };
      log(`llama-bench failed: ${results.llama_bench.error}`);
    }
  }

  // 3. Servers and scenarios.
  const blocks = o.blocks === 'all'
    ? [scenarios]
    : o.clients.map((c) => scenarios.filter((sc) => sc.clients === c));
  const starts = {};
  for (const s of o.servers) {
    results.servers[s] = {
      args: s === 'cria' ? [...commonArgs, ...criaOnly] : [...commonArgs, ...llamaOnly],
      startup_s: [], warmup_ms: [], logs: [], scenarios: {}, prompt_tokens_checked: {},
    };
    starts[s] = 0;
  }
  let stopped = false;
  for (let bi = 0; bi < blocks.length && !stopped; ++bi) {
    const order = bi % 2 === 0 ? o.servers : [...o.servers].reverse();
    for (const s of order) {
      if (Date.now() > deadline) {
        results.notes.push(`deadline of ${o.deadlineS} s reached: skipped the rest from block ${bi + 1} on`);
        log('deadline reached: skipping the remaining scenarios');
        stopped = true;
        break;
      }
      const R = results.servers[s];
      const q = await waitQuiet(o.waitQuietS);
      (R.other_load_before_start ??= []).push(q.other_load);
      log(`other load ${fmt(100 * (q.other_load ?? 0), 0)}% (waited ${q.waited_s} s)`);
      const port = await freePort();
      const bin = s === 'cria' ? o.cria : llamaServer;
      const logPath = path.join(LOGS, `${s}-${++starts[s]}.log`);
      const server = new Server(s, bin, [...R.args, '--host', '127.0.0.1', '--port', String(port)], port, logPath);
      log(`starting ${s} on 127.0.0.1:${port} (log ${path.relative(ROOT, logPath)})`);
      try {
        await server.start();
        R.startup_s.push(+server.startup_s.toFixed(2));
        R.logs.push(path.relative(ROOT, logPath));
        // Warm-up: one short request, not timed in any scenario.
        const w = await streamCompletion(port, {
          prompt: makeText(`warmup/${s}/${bi}`, { words: 60 }), n_predict: 16, stream: true, temperature: 0,
          cache_prompt: false, ignore_eos: true,
        }, 120000);
        if (w.error) throw new Error(`warm-up request failed: ${w.error}`);
        R.warmup_ms.push(+(w.t_done - w.t_send).toFixed(0));
        for (const sc of blocks[bi]) {
          if (Date.now() > deadline) {
            results.notes.push(`deadline reached before ${s} ${sc.name}`);
            stopped = true;
            break;
          }
          // Exact prompt sizes, and that every slot fits prompt + generation.
          const counts = await tokenCounts(port, prompts[sc.name]);
          if (counts) {
            const max = Math.max(...counts);
            R.prompt_tokens_checked[sc.name] = { min: Math.min(...counts), max, mean: +(sum(counts) / counts.length).toFixed(1) };
            if (s === 'cria' && max + o.nPredict > Math.floor(ctx / o.parallel)) {
              throw new Error(`${sc.name}: prompt of ${max} tokens + ${o.nPredict} does not fit a slot of ${Math.floor(ctx / o.parallel)} (raise --ctx)`);
            }
          }
          log(`${s} ${sc.name}: ${sc.clients} client(s) x ${o.requests} request(s)` +
            (counts ? `, prompts ${Math.min(...counts)}..${Math.max(...counts)} tokens` : ''));
          // Attempts: the first, then up to o.retries more while other processes disturbed it
          // (and time is left); the least disturbed attempt is kept.
          const attempts = [];
          for (let attempt = 0; attempt <= o.retries; ++attempt) {
            if (attempt > 0) {
              if (Date.now() > deadline - 30000) break;
              const q = await waitQuiet(o.waitQuietS);
              log(`  disturbed: attempt ${attempt + 1} (other load now ${fmt(100 * (q.other_load ?? 0), 0)}%, waited ${q.waited_s} s)`);
            }
            const m = await runScenario(server, sc, o, promptsFor(sc, attempt), deadline - Date.now() + 60000);
            m.attempt = attempt + 1;
            attempts.push(m);
            log(`  gen ${fmt(m.gen_tps)} tok/s, TTFT p50 ${fmt(m.ttft_ms_p50, 0)} ms p99 ${fmt(m.ttft_ms_p99, 0)} ms, ` +
              `prompt ${fmt(m.prompt_tps_server)} tok/s, per-stream decode ${fmt(m.decode_tps_server_per_stream)} tok/s, ` +
              `cached ${fmt(m.cache_n_mean, 0)}, wall ${fmt(m.wall_s)} s, other load ${fmt(100 * (m.cpu?.other_cpu_frac ?? 0), 0)}%` +
              (m.errors ? `, ${m.errors} ERRORS: ${m.error_samples.join(' | ')}` : ''));
            if (m.errors || (m.cpu?.other_cpu_frac ?? 0) <= o.disturbed) break;
          }
          const best = attempts.reduce((a, b) => ((b.cpu?.other_cpu_frac ?? 0) < (a.cpu?.other_cpu_frac ?? 0) ? b : a));
          best.attempts = attempts.length;
          best.other_load_all_attempts = attempts.map((m) => +(m.cpu?.other_cpu_frac ?? 0).toFixed(3));
          R.scenarios[sc.name] = best;
        }
      } catch (e) {
        const msg = `${s} (block ${bi + 1}): ${String(e.message || e).slice(0, 2000)}`;
        results.notes.push(msg);
        results.errors = (results.errors ?? 0) + 1;
        log(`ERROR ${msg}`);
      } finally {
        await server.stop();
      }
    }
  }

  // 4. Comparison, single-stream decode against raw tg128.
  results.comparison = comparisons(results, scenarios);
  const tg = results.llama_bench?.tg128?.tps ?? null;
  const tgd = results.llama_bench?.tg_at_depth?.tps ?? null;
  const one = scenarios.find((sc) => sc.kind === 'distinct' && sc.clients === 1);
  if (one) {
    results.single_stream = {};
    for (const s of o.servers) {
      const m = results.servers[s].scenarios[one.name];
      if (!m) continue;
      // The scenario's first request finds the KV cache empty (after the warm-up); later ones
      // may find other slots' cells still in it.
      const first = [...m.per_request].sort((x, y) => x.sent - y.sent)[0];
      const firstTps = first?.predicted_ms > 0 && first.tokens ? (first.tokens / first.predicted_ms) * 1000 : null;
      results.single_stream[s] = {
        decode_tps_server: m.decode_tps_server_per_stream,
        decode_tps_first_request: firstTps,
        ratio_first_request_vs_tg_at_depth: tgd && firstTps ? firstTps / tgd : null,
        decode_tps_client: m.decode_tps_client_per_stream,
        raw_tg128: tg,
        ratio_vs_tg128: tg && m.decode_tps_server_per_stream ? m.decode_tps_server_per_stream / tg : null,
        ratio_client_vs_tg128: tg && m.decode_tps_client_per_stream ? m.decode_tps_client_per_stream / tg : null,
        raw_tg_at_depth: tgd,
        ratio_vs_tg_at_depth: tgd && m.decode_tps_server_per_stream ? m.decode_tps_server_per_stream / tgd : null,
      };
    }
  }
  results.machine.loadavg_end = os.loadavg();
  results.wall_s = (performance.now() - T0) / 1000;

  const md = markdown(results);
  results.markdown = md;
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(o.out.replace(/\.json$/, '') + '.md', `${md}\n`);

  const out = [];
  out.push('');
  out.push('== cria vs llama-server (ratio = cria / llama-server; for TTFT lower is better)');
  out.push(textTable(results));
  out.push('');
  if (results.llama_bench && !results.llama_bench.error) {
    out.push(`llama-bench -t ${o.threads}: pp512 ${fmt(results.llama_bench.pp512?.tps)} tok/s, tg128 ${fmt(tg)} tok/s, ` +
      `tg${results.llama_bench.tg_at_depth?.n_gen ?? ''} @ depth ${results.llama_bench.tg_at_depth?.n_depth ?? '-'} ${fmt(tgd)} tok/s`);
  }
  for (const [s, v] of Object.entries(results.single_stream || {})) {
    out.push(`single stream decode, ${s}: ${fmt(v.decode_tps_server)} tok/s (server timings), ` +
      `${fmt(v.decode_tps_client)} tok/s (client inter-token); vs raw tg128: ${fmt(v.ratio_vs_tg128, 3)}, ` +
      `vs raw tg at depth ${results.llama_bench?.tg_at_depth?.n_depth ?? '-'}: ${fmt(v.ratio_vs_tg_at_depth, 3)}`);
  }
  for (const n of results.notes) out.push(`note: ${n}`);
  out.push(`load average start ${results.machine.loadavg_start.map((x) => x.toFixed(2)).join(' ')}, ` +
    `end ${results.machine.loadavg_end.map((x) => x.toFixed(2)).join(' ')}; total ${fmt(results.wall_s)} s`);
  out.push(`wrote ${path.relative(ROOT, o.out)} and ${path.relative(ROOT, o.out.replace(/\.json$/, '.md'))}`);
  out.push('');
  out.push('== markdown');
  out.push(md);
  process.stdout.write(`${out.join('\n')}\n`);
  const failed = (results.errors ?? 0) > 0 || !!results.llama_bench?.error ||
    Object.values(results.servers).some((r) => Object.values(r.scenarios).some((m) => m.errors > 0));
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  process.stderr.write(`bench: ${process.env.BENCH_DEBUG ? e.stack || e : e.message || e}\n`);
  process.exit(2);  // the servers are killed on exit (trackChildren)
});
