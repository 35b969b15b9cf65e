// Every option of the installed llama-server (its --help: short and long forms, negative forms, and
// each (env: NAME) variable) is known to cria, and a handful of the options added for that take
// effect or say at start-up what they do here. A launch script written for llama-server must not
// stop at an "unknown option".
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { tmpdir } from 'node:os';
import { readFileSync, writeFileSync, rmSync } from 'node:fs';
import { startCria, runCria as runCriaFor10s, freePort, TINY_MODEL, MODELS } from './lib/cria.mjs';

// Runs cria to completion (lib/cria.mjs), with room for a start-up that loads the model.
const runCria = (args, { env = {} } = {}) => runCriaFor10s(args, { env, timeoutMs: 30000 });
import { THREADS, greedy, complete } from './lib/generation-helpers.mjs';

const LLAMA_SERVER = process.env.LLAMA_SERVER || 'llama-server';

// The installed llama-server's --help text; fails saying so when it is not installed.
function llamaServerHelp() {
  const res = spawnSync(LLAMA_SERVER, ['--help'], { encoding: 'utf8', timeout: 30000 });
  if (res.error) {
    throw new Error(`${LLAMA_SERVER} is not installed (${res.error.code}): scripts/install-deps installs it ` +
      '(Debian package llama.cpp-tools); this test compares cria with its option list');
  }
  return `${res.stdout}\n${res.stderr}`;
}

// The option names of a --help text: every -x / --xyz in the name column of a line that starts an
// option (description at column 40, or a line of names alone), negative forms included.
export function optionNames(help) {
  const names = new Set();
  for (const line of help.split('\n')) {
    const stripped = line.trimStart();
    if (!stripped.startsWith('-') || line.length - stripped.length > 4) continue;
    const head = line.length > 40 && line.slice(38, 40) === '  ' ? line.slice(0, 40) : line;
    for (const token of head.trim().split(/[ ,]+/)) {
      if (/^--?[A-Za-z][A-Za-z0-9_.-]*$/.test(token)) names.add(token);
    }
  }
  return [...names];
}

// The environment variables a --help text names: "(env: NAME)".
export function envNames(help) {
  return [...new Set([...help.matchAll(/\(env: ([A-Z_0-9]+)/g)].map((m) => m[1]))];
}

// Runs `jobs` (functions returning promises) at most `width` at a time.
async function inParallel(jobs, width = 8) {
  const results = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  }));
  return results;
}

// A control vector GGUF (version 3): one F32 tensor "direction.<layer>" of `width` values, all
// `value`, per layer listed.
function controlVectorGguf(width, layers, value) {
  const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); return b; };
  const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); return b; };
  const parts = [Buffer.from('GGUF'), u32(3), u64(layers.length), u64(0)];
  const bytes = width * 4;
  const stride = Math.ceil(bytes / 32) * 32;
  layers.forEach((layer, i) => {
    const name = Buffer.from(`direction.${layer}`);
    parts.push(u64(name.length), name, u32(1), u64(width), u32(0), u64(i * stride));
  });
  const head = Buffer.concat(parts);
  const data = Buffer.alloc(stride * layers.length);
  layers.forEach((_, i) => { for (let k = 0; k < width; k++) data.writeFloatLE(value, i * stride + k * 4); });
  return Buffer.concat([head, Buffer.alloc((32 - (head.length % 32)) % 32), data]);
}

async function printOptions(args, env = {}) {
  const res = await runCria(['--print-options', ...args], { env });
  assert.equal(res.code, 0, `cria ${args.join(' ')}: exit ${res.code}\n${res.stderr}`);
  return JSON.parse(res.stdout);
}

describe('every llama-server option and variable is known to cria', () => {
  let help;
  before(() => { help = llamaServerHelp(); });

  test('the option list read from llama-server --help is plausible', () => {
    const names = optionNames(help);
    assert.ok(names.length > 300, `only ${names.length} option names read from llama-server --help`);
    for (const name of ['-m', '--model', '-c', '--ctx-size', '--no-jinja', '-ot', '--no-kv-offload', '--reasoning-budget']) {
      assert.ok(names.includes(name), `${name} was not read from llama-server --help`);
    }
    assert.ok(envNames(help).length > 100);
  });

  test('no option name is unknown to cria', async () => {
    const names = optionNames(help);
    // The name comes last: a value-taking option then lacks its value, which is an error that
    // names the option, never "unknown option"; flags and print-and-exit options exit 0.
    const outcomes = await inParallel(names.map((name) => async () => {
      const res = await runCria(['-m', TINY_MODEL, '--print-options', name]);
      return { name, res };
    }));
    const unknown = outcomes.filter(({ res }) => res.code === null || /unknown option|unexpected argument/.test(res.stderr));
    const detail = unknown.map(({ name, res }) => `${name}: exit ${res.code} ${res.stderr.trim()}`).join('\n');
    assert.equal(unknown.length, 0, `${unknown.length} of ${names.length} llama-server options unknown to cria:\n${detail}`);
    for (const { name, res } of outcomes) {
      if (res.code !== 0) assert.ok(res.stderr.includes(name), `${name}: the error does not name it: ${res.stderr}`);
    }
  });

  test('cria reads every environment variable llama-server reads', async () => {
    const vars = envNames(help);
    const outcomes = await inParallel(vars.map((name) => async () => {
      // -m on the command line would win over LLAMA_ARG_MODEL; a model from the variable is enough then.
      const args = name === 'LLAMA_ARG_MODEL' ? ['--print-options'] : ['-m', TINY_MODEL, '--print-options'];
      // A variable that needs another one (a rule across options) gets it too.
      const companions = {
        LLAMA_ARG_HF_FILE: { LLAMA_ARG_HF_REPO: 'user/repo' },
        LLAMA_ARG_SSL_KEY_FILE: { LLAMA_ARG_SSL_CERT_FILE: 'cert.pem' },
        LLAMA_ARG_SSL_CERT_FILE: { LLAMA_ARG_SSL_KEY_FILE: 'key.pem' },
        // Synthetic acceptance needs drafting, and one rate per position of the longest draft.
        LLAMA_ARG_SPEC_SYNTH_LEN: { LLAMA_ARG_SPEC_TYPE: 'ngram-simple' },
        LLAMA_ARG_SPEC_SYNTH_RATES: { LLAMA_ARG_SPEC_TYPE: 'ngram-simple', LLAMA_ARG_DRAFT_MAX: '1' },
      };
      const env = { [name]: name === 'LLAMA_ARG_MODEL' ? TINY_MODEL : '1', ...(companions[name] ?? {}) };
      const res = await runCria(args, { env });
      // Read: either it set its option, or its value was refused in a message naming it.
      const read = res.code === 0 ? JSON.parse(res.stdout).environment.includes(name)
        : res.stderr.includes(`environment variable ${name}`);
      return { name, read, res };
    }));
    const unread = outcomes.filter((o) => !o.read);
    const detail = unread.map(({ name, res }) => `${name}: exit ${res.code} ${res.stderr.trim()}`).join('\n');
    assert.equal(unread.length, 0, `${unread.length} of ${vars.length} variables not read by cria:\n${detail}`);
  });

  test('--print-options lists the variables cria knows, a superset of llama-server\'s', async () => {
    const out = await printOptions(['-m', TINY_MODEL]);
    for (const name of envNames(help)) assert.ok(out.known_environment.includes(name), name);
    assert.deepEqual(out.notices, []);
  });
});

describe('options added for llama-server take effect', () => {
  test('--print-options shows what the new options were parsed into', async () => {
    const out = await printOptions(['-m', TINY_MODEL, '-r', 'User:', '-r', 'a\\tb', '--embd-normalize', '1',
      '-ot', 'ffn_.*=CPU', '--cpu-moe', '-dev', 'none', '--tags', 'x,y', '--log-timestamps', '-lm', 'mmap+mlock',
      '--dry-sequence-breaker', 'none']);
    assert.equal(out.options['--reverse-prompt'], 'User: | a\tb');
    assert.equal(out.options['--embd-normalize'], '1');
    assert.equal(out.options['--override-tensor'], 'ffn_.*=CPU');
    assert.equal(out.options['--cpu-moe'], 'enabled');
    assert.equal(out.options['--device'], 'none');
    assert.equal(out.options['--tags'], 'x,y');
    assert.equal(out.options['--log-timestamps'], 'enabled');
    assert.equal(out.options['--load-mode'], 'mmap+mlock');
    assert.equal(out.options['--dry-sequence-breaker'], '');
  });

  test('a value is still checked: a bad one is an error naming the option', async () => {
    for (const [args, name] of [[['-ot', 'no-equals-sign'], '-ot'], [['--prio', '9'], '--prio'],
      [['--chat-template-kwargs', '[1]'], '--chat-template-kwargs'], [['-C', 'xyz'], '-C'],
      [['--reasoning-format', 'bogus'], '--reasoning-format']]) {
      const res = await runCria(['-m', TINY_MODEL, '--print-options', ...args]);
      assert.equal(res.code, 1, res.stdout);
      assert.ok(res.stderr.includes(name), res.stderr);
    }
  });

  test('-r is the default stop string of requests that give none', async () => {
    const plain = await startCria([...THREADS]);
    let text;
    try {
      text = (await complete(plain, greedy('Hello', 12))).content;
    } finally { await plain.stop(); }
    const stop = text.slice(4, 8);
    assert.ok(stop.length === 4 && text.indexOf(stop) === 4, `no usable stop string in ${JSON.stringify(text)}`);
    const server = await startCria([...THREADS, '-r', stop]);
    try {
      const res = await complete(server, greedy('Hello', 12));
      assert.equal(res.content, text.slice(0, 4));
      assert.equal(res.stopping_word, stop);
      const own = await complete(server, greedy('Hello', 12, { stop: ['\u0001'] }));
      assert.equal(own.content, text, 'a request\'s own stop list replaces -r');
      const props = await server.get('/props');
      assert.deepEqual(props.body.default_generation_settings.params?.stop ?? props.body.default_generation_settings.stop, [stop]);
    } finally { await server.stop(); }
  });

  test('--embd-normalize: 1 taxicab, -1 none, default euclidean', async () => {
    const model = path.join(MODELS, 'tiny-embedding.gguf');
    const vectorWith = async (args) => {
      const server = await startCria(['--embedding', ...THREADS, ...args], { model });
      try {
        return (await server.post('/embedding', { content: 'The quick brown fox' })).body.embedding;
      } finally { await server.stop(); }
    };
    const l2 = await vectorWith([]);
    const l1 = await vectorWith(['--embd-normalize', '1']);
    const raw = await vectorWith(['--embd-normalize', '-1']);
    const sum = (v, f) => v.reduce((s, x) => s + f(x), 0);
    assert.ok(Math.abs(Math.sqrt(sum(l2, (x) => x * x)) - 1) < 1e-5);
    assert.ok(Math.abs(sum(l1, Math.abs) - 1) < 1e-5);
    const rawNorm = Math.sqrt(sum(raw, (x) => x * x));
    assert.ok(Math.abs(rawNorm - 1) > 1e-3, `the raw vector happens to have unit length: ${rawNorm}`);
    raw.forEach((x, k) => assert.ok(Math.abs(x / rawNorm - l2[k]) < 1e-4));
  });

  test('--log-timestamps and --no-log-prefix change the log lines', async () => {
    const server = await startCria([...THREADS, '--log-timestamps', '--no-log-prefix']);
    try {
      const line = server.log().split('\n').find((l) => l.includes('listening on'));
      assert.match(line, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} listening on/);
    } finally { await server.stop(); }
  });

  test('-dev none and -ot ...=CPU load the model; unknown names fail naming what exists', async () => {
    const server = await startCria([...THREADS, '-dev', 'none', '-ot', 'ffn_.*=CPU', '--no-repack', '--no-op-offload']);
    try {
      assert.ok(typeof (await complete(server, greedy('Hello', 2))).content === 'string');
    } finally { await server.stop(); }
    const device = await runCria(['-m', TINY_MODEL, '--port', String(await freePort()), '-dev', 'NoSuchDevice']);
    assert.equal(device.code, 1);
    assert.match(device.stderr, /no device named 'NoSuchDevice' \(devices: .*CPU/);
    const buft = await runCria(['-m', TINY_MODEL, '--port', String(await freePort()), '-ot', 'ffn=NoSuchBuffer']);
    assert.equal(buft.code, 1);
    assert.match(buft.stderr, /no buffer type named 'NoSuchBuffer' \(buffer types: .*CPU/);
  });

  test('--list-devices, --completion-bash and --cache-list print and exit without a model', async () => {
    const devices = await runCria(['--list-devices']);
    assert.equal(devices.code, 0, devices.stderr);
    assert.match(devices.stdout, /available devices:\n {2}CPU: /);
    const bash = await runCria(['--completion-bash']);
    assert.equal(bash.code, 0);
    assert.match(bash.stdout, /complete -o default -F _cria cria/);
    assert.ok(bash.stdout.includes('--override-tensor') && bash.stdout.includes('--no-jinja'));
    const syntax = spawnSync('bash', ['-n'], { input: bash.stdout, encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);
    const list = await runCria(['-cl'], { env: { LLAMA_CACHE: MODELS } });
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, /tiny\.gguf/);
  });

  test('--control-vector changes the output, scale 0 does not, a vector of the wrong width fails', async () => {
    const width = 32;  // the tiny model's n_embd (tools/make-model: tiny), layers 1 and 2
    const file = path.join(tmpdir(), `cria-cvec-${process.pid}.gguf`);
    const bad = path.join(tmpdir(), `cria-cvec-bad-${process.pid}.gguf`);
    writeFileSync(file, controlVectorGguf(width, [1, 2], 8.0));
    const outputWith = async (args) => {
      const server = await startCria([...THREADS, ...args]);
      try { return (await complete(server, greedy('Hello', 8))).content; } finally { await server.stop(); }
    };
    try {
      const plain = await outputWith([]);
      assert.notEqual(await outputWith(['--control-vector', file]), plain);
      assert.equal(await outputWith(['--control-vector-scaled', `${file}:0`]), plain);
      writeFileSync(bad, controlVectorGguf(width + 1, [1], 1.0));
      const res = await runCria(['-m', TINY_MODEL, '--port', String(await freePort()), '--control-vector', bad]);
      assert.equal(res.code, 1);
      assert.ok(res.stderr.includes(bad) && res.stderr.includes('F32 values'), res.stderr);
    } finally {
      rmSync(file, { force: true });
      rmSync(bad, { force: true });
    }
  });

  test('--prio -1 lowers the process priority (nice 5)', async () => {
    const server = await startCria([...THREADS, '--prio', '-1']);
    try {
      // /proc/PID/stat: the 19th field is the nice value (after the command name in parentheses).
      const stat = readFileSync(`/proc/${server.proc.pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      assert.equal(Number(fields[16]), 5, stat);
    } finally { await server.stop(); }
  });

  test('--lora-init-without-apply loads adapters at scale 0', async () => {
    const server = await startCria([...THREADS, '--lora', path.join(MODELS, 'tiny-lora.gguf'), '--lora-init-without-apply']);
    try {
      const res = await server.get('/lora-adapters');
      assert.equal(res.body[0].scale, 0);
    } finally { await server.stop(); }
  });
});

describe('options whose feature cria lacks here are accepted with a start-up notice', () => {
  let server;
  before(async () => {
    server = await startCria([...THREADS, '--no-jinja', '--reasoning-budget', '100',
      '--cache-reuse', '256', '--spec-draft-p-split', '0.2'], { env: { LLAMA_ARG_MODELS_DIR: MODELS } });
  });
  after(async () => { await server?.stop(); });

  test('the server starts and serves', async () => {
    assert.ok(typeof (await complete(server, greedy('Hello', 2))).content === 'string');
  });

  test('each such option logs one notice line naming it', () => {
    const log = server.log();
    for (const name of ['--spec-draft-p-split', '--models-dir']) {
      const lines = log.split('\n').filter((l) => l.includes(`notice: ${name}:`));
      assert.equal(lines.length, 1, `${name}: ${lines.length} notice lines in\n${log}`);
    }
    // --reasoning-budget 100 is implemented now (the engine ends thinking after 100 tokens).
    assert.ok(!log.includes('notice: --reasoning-budget'), log);
  });

  test('--print-options gives the same notices, and none for an option set to what it does here', async () => {
    const out = await printOptions(['-m', TINY_MODEL, '--spec-draft-p-split', '0.2', '--cache-reuse', '0', '--jinja']);
    assert.equal(out.notices.length, 1, JSON.stringify(out.notices));
    assert.match(out.notices[0], /^--spec-draft-p-split: /);
    // implemented: no notice (docs/agent-tools.md)
    assert.deepEqual((await printOptions(['-m', TINY_MODEL, '--ui-mcp-proxy', '--tools', 'all'])).notices, []);
  });
});
