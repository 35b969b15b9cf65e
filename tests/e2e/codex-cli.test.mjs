// A smoke test with the real Codex CLI (@openai/codex, pinned in package.json) pointed at cria
// offline: a custom model provider whose base_url is cria's /v1 and whose wire_api is
// "responses". Codex sends its whole agent prompt (a long developer message, skills, the
// environment) and its tools (functions, a namespace of functions, web_search) as a streamed
// /v1/responses request, and prints the answer.
//
// The test model is random, so the server is given a default grammar (--grammar) that makes every
// answer "Hi from cria" and then ends it: the answer Codex prints must be exactly the text cria
// generated and streamed, and the turn must end as completed (not cut off by a token limit, which
// Codex treats as an error).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCria, ROOT } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

const CODEX = path.join(ROOT, 'tests/e2e/node_modules/.bin/codex');
const ANSWER = 'Hi from cria';

let cria;
let home;
let work;
before(async () => {
  if (!fs.existsSync(CODEX)) return;
  // Codex's prompt is some ten thousand tokens: a context that holds it and a short answer.
  cria = await startCria(['-np', '1', '-c', '32768', '-n', '64', ...THREADS, '--grammar', `root ::= "${ANSWER}"`],
    { timeoutMs: 60000 });
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-codex-home-'));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-codex-work-'));
  fs.writeFileSync(path.join(home, 'config.toml'), [
    'model = "tiny"',
    'model_provider = "cria"',
    'approval_policy = "never"',
    'sandbox_mode = "read-only"',
    '[model_providers.cria]',
    'name = "cria"',
    `base_url = "${cria.base}/v1"`,
    'wire_api = "responses"',
    'env_key = "CRIA_TEST_KEY"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
  ].join('\n'));
});
after(async () => {
  await cria?.stop();
  for (const dir of [home, work]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function runCodex(args, { timeoutMs }) {
  return new Promise((resolve) => {
    const proc = spawn(CODEX, args, {
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CODEX_HOME: home, CRIA_TEST_KEY: 'dummy', NO_COLOR: '1', RUST_LOG: 'error' },
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr }); });
  });
}

test('codex exec answers through cria\'s /v1/responses', { skip: fs.existsSync(CODEX) ? false : `${CODEX} is not installed (npm ci in tests/e2e)` }, async () => {
  const before = cria.log().length;  // the routes Codex calls are logged after this (not startCria's /health polls)
  const last = path.join(work, 'last-message.txt');
  const run = await runCodex(['exec', '--skip-git-repo-check', '--ephemeral', '--color', 'never', '-o', last, 'say hi'],
    { timeoutMs: 180000 });
  const log = cria.log().slice(before);
  // cria's request log lines: "request method=POST route=/v1/responses status=200 ..."
  const routes = [...log.matchAll(/method=(\S+) route=(\S+) status=(\d{3})/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
  const detail = `exit ${run.code} ${run.signal ?? ''}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr.slice(-3000)}\n` +
    `routes cria answered: ${JSON.stringify(routes)}\ncria log:\n${log.slice(-3000)}`;
  assert.equal(run.code, 0, detail);
  assert.ok(routes.some((r) => r === 'POST /v1/responses 200'), detail);
  assert.ok(!routes.some((r) => / [45]\d\d$/.test(r)), `a route failed: ${detail}`);
  console.log(`codex called: ${JSON.stringify([...new Set(routes)])}`);
  assert.ok(fs.existsSync(last), `codex wrote no last message: ${detail}`);
  assert.equal(fs.readFileSync(last, 'utf8').trim(), ANSWER, detail);
  assert.ok(run.stdout.includes(ANSWER), detail);
});
