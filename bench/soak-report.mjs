// The soak's bookkeeping and report: classifies each outcome (expected or not, and of which kind),
// counts them per action, keeps a few samples of every unexpected kind, and writes the summary as
// a text table and as markdown.

const SAMPLES_PER_KIND = 5;

const isObj = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);

// { kind, expected, answered, detail } for one action's outcome (see soak-actions.mjs).
export function classify(o) {
  if (o.held) {
    const h = o.held;
    if (h.error) return { kind: h.error.kind, expected: false, answered: false, detail: h.error.message };
    return { kind: h.closedByServer ? 'closed-by-server' : 'held', expected: true, answered: false };
  }
  const r = o.result;
  const answered = r.complete || r.done;
  if (r.status !== null && !o.expect.includes(r.status)) {
    return { kind: `http-${r.status}`, expected: false, answered, detail: `expected ${o.expect.join(' or ')}` };
  }
  const failure = r.events.find((e) => isObj(e.error));
  if (failure) {
    const code = failure.error.code;
    const expected = (o.expectStreamError || []).includes(code);
    return { kind: `stream-error-${code}`, expected, answered, detail: failure.error.message };
  }
  if (r.events.some((e) => e.unparsable !== undefined)) return { kind: 'unparsable-event', expected: false, answered };
  if (r.cut) return { kind: 'cut', expected: true, answered: false };
  if (r.aborted) return { kind: 'cancelled', expected: true, answered: false };
  if (r.error) return { kind: r.error.kind, expected: false, answered, detail: r.error.message };
  if (r.status >= 400) {
    const e = isObj(r.body) ? r.body.error : null;
    const shaped = isObj(e) && e.code === r.status && typeof e.message === 'string' && e.message.length > 0;
    if (!shaped) return { kind: 'bad-error-shape', expected: false, answered, detail: 'not the OpenAI error shape' };
    return { kind: String(r.status), expected: true, answered };
  }
  if (r.streamed && !r.done) return { kind: 'stream-incomplete', expected: false, answered };
  const problem = o.validate ? o.validate(r) : null;
  if (problem) return { kind: 'invalid-response', expected: false, answered, detail: problem };
  return { kind: 'ok', expected: true, answered };
}

const clip = (s, n) => (s.length > n ? `${s.slice(0, n)}... (${s.length} chars)` : s);

function describeBody(body) {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return `<${body.length} bytes: ${clip(body.toString('latin1', 0, 120), 120)}>`;
  return clip(typeof body === 'string' ? body : JSON.stringify(body), 600);
}

export class Tally {
  constructor() {
    this.actions = {};
    this.expected = {};
    this.unexpected = {};
    this.samples = {};
    this.total = { sent: 0, answered: 0, ok: 0, expected_errors: 0, client_ended: 0, unexpected: 0 };
  }

  add(action, outcome, verdict, t) {
    const a = (this.actions[action] ??= { sent: 0, answered: 0, ok: 0, expected: {}, unexpected: {}, variants: {} });
    a.sent += 1;
    this.total.sent += 1;
    a.variants[outcome.variant] = (a.variants[outcome.variant] ?? 0) + 1;
    if (verdict.answered) {
      a.answered += 1;
      this.total.answered += 1;
    }
    if (verdict.expected) {
      if (verdict.kind === 'ok') {
        a.ok += 1;
        this.total.ok += 1;
      } else {
        a.expected[verdict.kind] = (a.expected[verdict.kind] ?? 0) + 1;
        this.expected[verdict.kind] = (this.expected[verdict.kind] ?? 0) + 1;
        if (/^\d+$|^stream-error-/.test(verdict.kind)) this.total.expected_errors += 1;
        else this.total.client_ended += 1;
      }
      return;
    }
    a.unexpected[verdict.kind] = (a.unexpected[verdict.kind] ?? 0) + 1;
    this.unexpected[verdict.kind] = (this.unexpected[verdict.kind] ?? 0) + 1;
    this.total.unexpected += 1;
    const list = (this.samples[verdict.kind] ??= []);
    if (list.length < SAMPLES_PER_KIND) {
      const r = outcome.result;
      list.push({
        t_s: +t.toFixed(1), action, variant: outcome.variant, method: outcome.method ?? (outcome.body === undefined ? 'GET' : 'POST'),
        path: outcome.path, server: outcome.server ?? 'main', body: describeBody(outcome.body), detail: verdict.detail,
        status: r?.status ?? null, response: r ? describeBody(r.body ?? (r.events.length ? r.events.slice(-2) : undefined)) : undefined,
        error: r?.error?.message,
      });
    }
  }
}

const fmtMiB = (kb) => (kb == null ? '-' : `${(kb / 1024).toFixed(1)} MiB`);
const fmtPct = (x) => (x == null ? '-' : `${x >= 0 ? '+' : ''}${x.toFixed(2)}%`);
const kinds = (o) => Object.entries(o).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ') || '-';

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ')).join('\n');
}

function actionRows(results) {
  const rows = [['action', 'sent', 'answered', 'ok', 'expected errors / client-ended', 'unexpected']];
  for (const [name, a] of Object.entries(results.tally.actions).sort()) {
    rows.push([name, a.sent, a.answered, a.ok, kinds(a.expected), kinds(a.unexpected)]);
  }
  const t = results.tally.total;
  rows.push(['total', t.sent, t.answered, t.ok, `${t.expected_errors} errors, ${t.client_ended} client-ended`, t.unexpected]);
  return rows;
}

function rssRows(results) {
  const rows = [['server', 'RSS start', 'after warm-up', 'end', 'peak (sampled)', 'VmHWM', 'growth after warm-up', 'threads start/warm/end']];
  for (const [name, s] of Object.entries(results.servers)) {
    rows.push([name, fmtMiB(s.rss_kb.start), fmtMiB(s.rss_kb.after_warmup), fmtMiB(s.rss_kb.end), fmtMiB(s.rss_kb.peak),
      fmtMiB(s.rss_kb.hwm), fmtPct(s.growth_after_warmup_pct), [s.threads.start, s.threads.after_warmup, s.threads.end].map((x) => x ?? '-').join('/')]);
  }
  return rows;
}

export function textReport(results) {
  const out = [];
  out.push(`== soak: ${results.config.clients} clients, ${results.elapsed_s.toFixed(0)} s ` +
    `(warm-up ${results.config.warmup_s} s), seed ${results.config.seed}`);
  out.push(table(actionRows(results)));
  out.push('');
  out.push(`expected errors and client-ended requests by kind: ${kinds(results.tally.expected)}`);
  out.push(`unexpected outcomes by kind: ${kinds(results.tally.unexpected)}`);
  for (const [kind, list] of Object.entries(results.tally.samples)) {
    for (const s of list) out.push(`  ${kind}: ${JSON.stringify(s)}`);
  }
  out.push('');
  out.push(table(rssRows(results)));
  out.push('');
  out.push(`crashes: ${results.crashes.length}${results.crashes.length ? `: ${JSON.stringify(results.crashes)}` : ''}`);
  for (const [name, s] of Object.entries(results.servers)) {
    out.push(`${name}: shutdown ${s.shutdown}; log lines: ${kinds(s.log_levels)}${s.log_samples.length ? `; e.g. ${s.log_samples.slice(0, 3).join(' | ')}` : ''}`);
  }
  for (const f of results.findings) out.push(`finding: ${f}`);
  out.push(`verdict: ${results.passed ? 'PASS' : `FAIL (${results.failures.join('; ')})`}`);
  return out.join('\n');
}

export function markdown(results) {
  const c = results.config;
  const md = [];
  const row = (cells) => `| ${cells.join(' | ')} |`;
  const mdTable = (rows) => [row(rows[0]), row(rows[0].map(() => '---')), ...rows.slice(1).map(row)].join('\n');
  md.push(`### Soak run of ${results.date}`);
  md.push('');
  md.push(`- machine: ${results.machine.cpus} CPUs (${results.machine.cpu_model}), ${results.machine.mem_gib} GiB, ` +
    `load average at start ${results.machine.loadavg_start.map((x) => x.toFixed(2)).join(' ')}, ` +
    `at end ${results.machine.loadavg_end.map((x) => x.toFixed(2)).join(' ')}`);
  md.push(`- \`${results.config.cria}\` (checkout at ${results.version}); model \`${c.model}\`${c.mmproj ? ` with \`${c.mmproj}\`` : ''}` +
    `${c.embedding_model ? `; embeddings on a second server with \`${c.embedding_model}\`` : ''}`);
  md.push(`- ${c.clients} clients for ${c.duration_s} s (warm-up ${c.warmup_s} s), seed ${c.seed}; ` +
    `server: \`${results.servers.main.args.join(' ')}\``);
  md.push(`- ran ${results.elapsed_s.toFixed(0)} s in all (including the two pauses to measure memory at rest)`);
  md.push('');
  md.push(mdTable(actionRows(results)));
  md.push('');
  md.push(`Expected errors and client-ended requests by kind: ${kinds(results.tally.expected)}.`);
  md.push('');
  md.push(`Unexpected outcomes by kind: ${kinds(results.tally.unexpected)}.`);
  md.push('');
  md.push(`Crashes: ${results.crashes.length}.`);
  md.push('');
  md.push(mdTable(rssRows(results)));
  md.push('');
  for (const f of results.findings) md.push(`- finding: ${f}`);
  md.push(`Verdict: **${results.passed ? 'PASS' : `FAIL (${results.failures.join('; ')})`}**`);
  return md.join('\n');
}
