// Multi-turn chat benchmark: more conversations than slots, each coming back for its next turn
// after its slot served others. cria against llama-server (its default --cache-ram, 8 GiB) in one
// run, reported as ratios.
//
// Workload (issue 15): 12 conversations x 4 turns over 4 slots. Every conversation starts with the
// same ~200-word system prompt; each turn adds a ~40-word user message and asks for a 48-token
// reply (/completion, cache_prompt, greedy, ignore_eos, streamed), then appends the reply to its
// history. The 12 conversations run at once, each sending its next turn when its last answer is
// complete, so the servers queue 8 of them behind the 4 slots.
//
// The bench model's random weights generate token sequences that its tokenizer would not produce
// from their text (e.g. " Tomorro" + "w" where the text tokenizes as " Tomorrow"), so with a text
// history each reply is tokenized differently when it comes back and both servers recompute it
// and everything after it. A real model's replies mostly tokenize back as generated. --history
// tokens sends the replies' own tokens instead, which shows the caches without that artifact.
//
// Reported per server: generated tokens/s over the whole run (wall clock), TTFT p50/p99 (client
// side: request sent -> first streamed token, queueing included), prompt tokens evaluated (the sum
// of the answers' timings.prompt_n; /metrics' prompt_tokens_total beside it) and the load average
// of the machine during the run. Then where TTFT goes, from the servers' own timings: the wait for
// a slot (TTFT less timings.prompt_ms), the prompt time, and each slot's decode ms per token. Then
// the ratios cria / llama-server.
//
// bench/multiturn --help lists the options. Loopback only; every wait is bounded.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sleep } from '../tests/e2e/lib/cria.mjs';
import { trackChildren } from './children.mjs';
import { rngFor } from './random.mjs';
import { commandLine } from './args.mjs';
import { startProcess as startHelperProcess, startServer as startProcess } from './server-process.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const HELP = `usage: bench/multiturn [options]

  --conversations N   conversations (default 12)
  --turns N           turns per conversation (default 4)
  --parallel N        -np for both servers (default 4)
  --system-words N    words of the shared system prompt (default 200)
  --user-words N      words per user message (default 40)
  --n-predict N       tokens per reply (default 48)
  --threads N         -t and -tb for both servers (default 2)
  --ctx N             -c for both servers (default 4096: 1024 tokens per slot)
  --rounds N          run both servers N times, alternating which goes first (default 1)
  --history MODE      text (default): each turn's prompt is the history as text, replies
                      included, so the server tokenizes the replies again; tokens: the history
                      is a mixed array of text and the replies' own token ids (return_tokens),
                      so a reply's tokens come back exactly as generated (see below)
  --servers LIST      default cria,llama-server
  --model PATH        default models/bench.gguf
  --cria PATH         default build/cria
  --llama-server PATH default llama-server on the PATH, else /usr/bin/llama-server
  --cria-extra ARGS   extra arguments for cria only (space-separated)
  --llama-extra ARGS  extra arguments for llama-server only (space-separated)
  --out PATH          default bench/results/multiturn.json (and .md next to it)
  --nice N            niceness of the servers, in their own autogroups (default -10 as root, else 0)
  --busy N            N CPU-bound processes (a busy loop each, at the servers' niceness, each in its
                      own autogroup) run beside each server while it is measured: a machine whose
                      cores are shared with other work, the same for both servers (default 0)
`;

function parseArgs(argv) {
  const o = {
    conversations: 12, turns: 4, parallel: 4, systemWords: 200, userWords: 40, nPredict: 48, threads: 2,
    ctx: 4096, rounds: 1, history: 'text', servers: ['cria', 'llama-server'], model: path.join(ROOT, 'models/bench.gguf'),
    cria: path.join(ROOT, 'build/cria'), llamaServer: undefined, criaExtra: [], llamaExtra: [],
    busy: 0, out: path.join(ROOT, 'bench/results/multiturn.json'), nice: process.getuid?.() === 0 ? -10 : 0,
  };
  for (const { name: a, val, int } of commandLine(argv, 1)) {
    switch (a) {
      case '-h': case '--help': process.stdout.write(HELP); process.exit(0); break;
      case '--conversations': o.conversations = int(); break;
      case '--turns': o.turns = int(); break;
      case '--parallel': o.parallel = int(); break;
      case '--system-words': o.systemWords = int(); break;
      case '--user-words': o.userWords = int(); break;
      case '--n-predict': o.nPredict = int(); break;
      case '--threads': o.threads = int(); break;
      case '--ctx': o.ctx = int(); break;
      case '--rounds': o.rounds = int(); break;
      case '--history': o.history = val(); if (!['text', 'tokens'].includes(o.history)) throw new Error('--history text|tokens'); break;
      case '--servers': o.servers = val().split(','); break;
      case '--model': o.model = path.resolve(val()); break;
      case '--cria': o.cria = path.resolve(val()); break;
      case '--llama-server': o.llamaServer = val(); break;
      case '--cria-extra': o.criaExtra = val().split(' ').filter(Boolean); break;
      case '--llama-extra': o.llamaExtra = val().split(' ').filter(Boolean); break;
      case '--out': o.out = path.resolve(val()); break;
      case '--nice': o.nice = Number(val()); break;
      case '--busy': o.busy = int(); break;
      default: throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  return o;
}

// ---------------------------------------------------------------------------------------------
// Text: words of the bench model's vocabulary (tools/make-model.cpp), about one token each.

const WORDS = `the be to of and in that have it for not on with he as you do at this but his by from they we say
her she or will my one all would there their what so up out if about who get which go me when make can like
time no just him know take people into year your good some could them see other than then now look only come
its over think also back after use two how our work first well way even new want because any these give day
most us is are was were been has had did does said made went got came here where why very much many more such
each own same long little great old big high small large next early young important few public bad able last
right left best better sure free true full real open close world help question answer tell ask call try need
feel become leave put mean keep let begin seem show hear play run move live believe hold bring happen write
provide sit stand lose pay meet include continue set learn change lead understand watch follow stop create
speak read allow add spend grow offer remember love consider appear buy wait serve send expect build stay fall
cut reach remain`.split(/\s+/).filter(Boolean);

function words(seed, n) {
  const rnd = rngFor(seed);
  const out = [];
  for (let i = 0; i < n; ++i) out.push(WORDS[Math.floor(rnd() * WORDS.length)] + ((i + 1) % 12 === 0 || i + 1 === n ? '.' : ''));
  return out.join(' ');
}

// ---------------------------------------------------------------------------------------------
// Servers

const children = trackChildren('bench/multiturn', 130);
let NICE = 0;

function startServer(bin, args, logPath) {
  return startProcess({ bin, args, logPath, children, cwd: ROOT, nice: NICE, stopTimeoutMs: 15000 });
}

function get(port, p) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: p, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (d) => { text += d; }).on('end', () => resolve({ status: res.statusCode, text }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('no answer')));
    req.on('error', reject);
  });
}

// One streamed /completion: { ttft_ms, content, tokens, timings, retries }. A connection reset
// before any response (both servers' HTTP library listens with a short backlog, which overflows
// when a busy machine delays its accept loop and several conversations send at once) is retried
// up to 3 times; TTFT counts from the first try.
async function streamCompletion(port, body) {
  const t0 = performance.now();
  for (let retries = 0; ; ++retries) {
    try {
      return { ...(await streamOnce(port, body, t0)), retries };
    } catch (e) {
      if (!e.beforeResponse || retries >= 3) throw e;
      await sleep(100);
    }
  }
}

function streamOnce(port, body, t0, timeoutMs = 600000) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify({ ...body, stream: true });
    let responded = false;
    let ttft = null;
    let content = '';
    const tokens = [];
    let timings = null;
    let buffer = '';
    const req = http.request({
      host: '127.0.0.1', port, path: '/completion', method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) },
    }, (res) => {
      responded = true;
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode}`));
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk) => {
        buffer += chunk;
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          for (const line of frame.split('\n')) {
            if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
            const ev = JSON.parse(line.slice(6));
            if (ttft === null && (ev.content || (ev.tokens && ev.tokens.length))) ttft = performance.now() - t0;
            content += ev.content ?? '';
            if (Array.isArray(ev.tokens) && !ev.stop) tokens.push(...ev.tokens);  // the last event may repeat them all
            if (ev.timings) timings = ev.timings;
          }
        }
      });
      res.on('end', () => resolve({ ttft_ms: ttft ?? performance.now() - t0, content, tokens, timings }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (e) => {
      e.beforeResponse = !responded;
      reject(e);
    });
    req.write(data);
    req.end();
  });
}

async function metricValue(port, name) {
  const res = await get(port, '/metrics').catch(() => null);
  const line = res?.status === 200 ? res.text.split('\n').find((l) => l.startsWith(`llamacpp:${name} `)) : null;
  return line ? Number(line.split(' ')[1]) : null;
}

// ---------------------------------------------------------------------------------------------
// The workload

async function conversation(port, o, system, c, requests) {
  // text: one string; tokens: strings and the replies' token ids, in order.
  const history = [`${system}\n`];
  const add = (text) => {
    if (o.history === 'text' || typeof history[history.length - 1] === 'string') history[history.length - 1] += text;
    else history.push(text);
  };
  for (let t = 0; t < o.turns; ++t) {
    add(`User: ${words(`user-${c}-${t}`, o.userWords)}\nAssistant:`);
    const r = await streamCompletion(port, {
      prompt: o.history === 'text' ? history[0] : history, n_predict: o.nPredict, temperature: 0, ignore_eos: true,
      cache_prompt: true, return_tokens: o.history === 'tokens',
    }).catch((e) => { throw new Error(`conversation ${c}, turn ${t}: ${e.message}`); });
    requests.push({ conversation: c, turn: t, ttft_ms: r.ttft_ms, prompt_n: r.timings?.prompt_n ?? null,
      cache_n: r.timings?.cache_n ?? null, predicted_n: r.timings?.predicted_n ?? null, retries: r.retries,
      prompt_ms: r.timings?.prompt_ms ?? null, predicted_per_token_ms: r.timings?.predicted_per_token_ms ?? null });
    if (o.history === 'text') {
      add(`${r.content}\n`);
    } else {
      if (r.tokens.length !== r.timings?.predicted_n) throw new Error(`${r.tokens.length} tokens streamed, ${r.timings?.predicted_n} predicted`);
      history.push(...r.tokens, '\n');
    }
  }
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : null;
};
const sum = (xs) => xs.reduce((a, b) => a + (b ?? 0), 0);
const mean = (xs) => (xs.length ? sum(xs) / xs.length : null);
const waits = (requests) => requests.map((r) => Math.max(0, r.ttft_ms - (r.prompt_ms ?? 0)));

async function measure(server, bin, o, logPath) {
  const args = ['-m', o.model, '-c', String(o.ctx), '-np', String(o.parallel), '-t', String(o.threads),
    '-tb', String(o.threads), '--metrics', ...(server === 'llama-server' ? ['--no-webui', ...o.llamaExtra] : o.criaExtra)];
  const srv = await startServer(bin, args, logPath);
  try {
    // Warm-up on text no conversation shares.
    await streamCompletion(srv.port, { prompt: words('warm-up', 30), n_predict: 8, temperature: 0, cache_prompt: false });
    const before = await metricValue(srv.port, 'prompt_tokens_total');
    const system = `System: ${words('system', o.systemWords)}`;
    const requests = [];
    const load0 = os.loadavg()[0];
    const t0 = performance.now();
    await Promise.all(Array.from({ length: o.conversations }, (_, c) => conversation(srv.port, o, system, c, requests)));
    const wall = (performance.now() - t0) / 1000;
    const after = await metricValue(srv.port, 'prompt_tokens_total');
    const generated = sum(requests.map((r) => r.predicted_n));
    return {
      server, args, wall_s: wall, generated, gen_tps: generated / wall,
      ttft_ms_p50: percentile(requests.map((r) => r.ttft_ms), 50),
      ttft_ms_p99: percentile(requests.map((r) => r.ttft_ms), 99),
      prompt_n: sum(requests.map((r) => r.prompt_n)), cache_n: sum(requests.map((r) => r.cache_n)),
      // Where TTFT goes: waiting for a slot (TTFT less the server's prompt time) against reading
      // the prompt, and how fast a slot generates once it runs (the servers' own timings).
      wait_ms_p50: percentile(waits(requests), 50), wait_ms_p99: percentile(waits(requests), 99),
      prompt_ms_p50: percentile(requests.map((r) => r.prompt_ms ?? 0), 50),
      decode_ms_per_token: mean(requests.map((r) => r.predicted_per_token_ms ?? 0)),
      metrics_prompt_tokens: before !== null && after !== null ? after - before : null,
      prompt_cache_hits: server === 'cria' ? await metricValue(srv.port, 'prompt_cache_hits_total') : null,
      retries: sum(requests.map((r) => r.retries)), load_start: load0, load_end: os.loadavg()[0], requests,
    };
  } finally {
    await srv.stop();
  }
}

// ---------------------------------------------------------------------------------------------

const T0 = Date.now();
function log(msg) { process.stderr.write(`[${((Date.now() - T0) / 1000).toFixed(1)}s] ${msg}\n`); }
const fmt = (v, d = 2) => (v === null || v === undefined || Number.isNaN(v) ? '-' : Number(v).toFixed(d));

function report(results, o) {
  const L = [];
  L.push(`Run ${results.date} on ${results.machine}: ${o.conversations} conversations x ${o.turns} turns over ` +
    `${o.parallel} slots, ${o.systemWords}-word shared system prompt, ${o.userWords}-word user turns, ` +
    `${o.nPredict}-token replies (greedy, ignore_eos, cache_prompt, streamed), ${path.basename(o.model)}, ` +
    `-c ${o.ctx} -t ${o.threads}, history as ${o.history}${NICE ? `, servers at niceness ${NICE}` : ''}` +
    `${o.busy ? `, ${o.busy} busy-loop processes beside each server (--busy)` : ''}. llama-server with its default --cache-ram.`);
  L.push('');
  L.push('| round | server | gen tok/s | TTFT p50 ms | TTFT p99 ms | prompt tokens evaluated | reused (cache_n) | wall s | load avg (start/end) | resets retried |');
  L.push('|---:|---|---:|---:|---:|---:|---:|---:|---|---:|');
  for (const r of results.rows) {
    L.push(`| ${r.round} | ${r.server} | ${fmt(r.gen_tps, 1)} | ${fmt(r.ttft_ms_p50, 0)} | ${fmt(r.ttft_ms_p99, 0)} | ` +
      `${r.prompt_n}${r.metrics_prompt_tokens !== null ? ` (/metrics ${r.metrics_prompt_tokens})` : ''} | ${r.cache_n} | ` +
      `${fmt(r.wall_s, 1)} | ${fmt(r.load_start, 1)} / ${fmt(r.load_end, 1)} | ${r.retries} |`);
  }
  L.push('');
  L.push('Where TTFT goes (server timings): wait = TTFT less the prompt time; decode = each slot\'s ms per generated token.');
  L.push('');
  L.push('| round | server | wait p50 ms | wait p99 ms | prompt ms p50 | decode ms/token (mean) |');
  L.push('|---:|---|---:|---:|---:|---:|');
  for (const r of results.rows) {
    L.push(`| ${r.round} | ${r.server} | ${fmt(r.wait_ms_p50, 0)} | ${fmt(r.wait_ms_p99, 0)} | ${fmt(r.prompt_ms_p50, 0)} | ${fmt(r.decode_ms_per_token, 1)} |`);
  }
  if (results.ratios.length) {
    L.push('');
    L.push('| round | tokens/s ratio (cria / llama-server, higher is better) | TTFT p50 ratio | TTFT p99 ratio (lower is better) | prompt tokens cria / llama-server |');
    L.push('|---:|---:|---:|---:|---|');
    for (const q of results.ratios) {
      L.push(`| ${q.round} | ${fmt(q.gen_tps)} | ${fmt(q.ttft_p50)} | ${fmt(q.ttft_p99)} | ${q.prompt_cria} / ${q.prompt_llama} |`);
    }
  }
  return L.join('\n') + '\n';
}

// --busy: the other work of a shared machine, started before a server and stopped after it.
function startBusy(n, logs) {
  return Array.from({ length: n }, (_, i) => startHelperProcess({
    bin: process.execPath, args: ['-e', 'for (;;) {}'], logPath: path.join(logs, `multiturn-busy-${i}.log`),
    children, cwd: ROOT, nice: NICE, stopTimeoutMs: 2000,
  }));
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  NICE = o.nice;
  const llamaServer = o.llamaServer ?? (() => {
    try { return execFileSync('which', ['llama-server'], { encoding: 'utf8' }).trim(); } catch { return '/usr/bin/llama-server'; }
  })();
  const bins = { cria: o.cria, 'llama-server': llamaServer };
  for (const s of o.servers) if (!fs.existsSync(bins[s])) throw new Error(`${s} not found at ${bins[s]}`);
  if (!fs.existsSync(o.model)) throw new Error(`no model at ${o.model} (bench/run generates models/bench.gguf)`);
  const logs = path.join(path.dirname(o.out), 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const results = {
    date: new Date().toISOString(), machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}`,
    settings: { ...o, cria: undefined, llamaServer: undefined }, rows: [], ratios: [],
  };
  for (let round = 1; round <= o.rounds; ++round) {
    const order = round % 2 === 1 ? o.servers : [...o.servers].reverse();
    for (const s of order) {
      log(`round ${round}: ${s} (load ${fmt(os.loadavg()[0], 1)})`);
      const busy = startBusy(o.busy, logs);
      let row;
      try {
        row = { round, ...(await measure(s, bins[s], o, path.join(logs, `multiturn-${s}-${round}.log`))) };
      } finally {
        await Promise.all(busy.map((b) => b.stop()));
      }
      results.rows.push(row);
      log(`  ${fmt(row.gen_tps, 1)} tok/s, TTFT p50 ${fmt(row.ttft_ms_p50, 0)} ms p99 ${fmt(row.ttft_ms_p99, 0)} ms, ` +
        `prompt tokens ${row.prompt_n}, ${fmt(row.wall_s, 1)} s`);
    }
    const c = results.rows.find((r) => r.round === round && r.server === 'cria');
    const l = results.rows.find((r) => r.round === round && r.server === 'llama-server');
    if (c && l) {
      results.ratios.push({ round, gen_tps: c.gen_tps / l.gen_tps, ttft_p50: c.ttft_ms_p50 / l.ttft_ms_p50,
        ttft_p99: c.ttft_ms_p99 / l.ttft_ms_p99, prompt_cria: c.prompt_n, prompt_llama: l.prompt_n });
    }
  }
  const md = report(results, o);
  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  fs.writeFileSync(o.out, JSON.stringify(results, null, 2));
  fs.writeFileSync(o.out.replace(/\.json$/, '') + '.md', md);
  process.stdout.write(md);
}

main().catch((e) => {
  process.stderr.write(`bench/multiturn: ${e.message}\n`);
  process.exit(2);
});
