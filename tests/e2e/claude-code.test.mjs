// Smoke test with a real agent CLI: Claude Code (npm @anthropic-ai/claude-code, pinned in
// package.json) pointed at cria offline through ANTHROPIC_BASE_URL. It sends one prompt with
// `claude -p` (its large system prompt, mid-conversation system messages, ~24 tools, adaptive
// thinking, a streamed answer) and must print an answer and exit 0.
//
// Everything it would send elsewhere is switched off (telemetry, error reports, updates,
// non-essential traffic), and its HOME and config directory are fresh temporary ones.
//
// The tiny random model never samples end-of-generation, and Claude Code takes an answer that
// stops at max_tokens for a failure (it asks for 32000 tokens and reports "exceeded the output
// token maximum"). So the server runs with a grammar (--grammar, every request's default) that
// makes every answer "Hello from cria." followed by end-of-generation: the answer then ends
// with end_turn, and the text on stdout shows it came through cria's stream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCria, ROOT } from './lib/cria.mjs';
import { THREADS } from './lib/generation-helpers.mjs';

const CLAUDE = path.join(ROOT, 'tests/e2e/node_modules/.bin/claude');
const TIMEOUT_MS = 240000;  // the bound of one CLI run
const ANSWER = 'Hello from cria.';

// Why the CLI cannot run here, or null when it can.
function whyNotRunnable() {
  if (!fs.existsSync(CLAUDE)) return `the Claude Code CLI is not installed at ${CLAUDE} (npm ci in tests/e2e)`;
  try {
    fs.accessSync(fs.realpathSync(CLAUDE), fs.constants.X_OK);
  } catch (e) {
    return `the Claude Code CLI at ${CLAUDE} is not executable: ${e.message}`;
  }
  return null;
}

let cria;
let home;
before(async () => {
  if (whyNotRunnable()) return;
  // A context large enough for Claude Code's system prompt (some 5500 tokens with the tiny model's
  // template, which does not show tools; templates that do show them need far more).
  cria = await startCria(['-c', '32768', '-np', '1', '-n', '64', '--alias', 'cria-tiny', '--api-key', 'sk-cria-test',
    '--grammar', `root ::= ${JSON.stringify(ANSWER)}`, ...THREADS]);
  home = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-claude-'));
});
after(async () => {
  await cria?.stop();
  if (home) fs.rmSync(home, { recursive: true, force: true });
});

function runClaude(args, env) {
  return new Promise((resolve) => {
    const proc = spawn(CLAUDE, args, { cwd: home, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), TIMEOUT_MS);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

test('claude -p answers through cria\'s /v1/messages', { timeout: TIMEOUT_MS + 30000 }, async (t) => {
  const reason = whyNotRunnable();
  if (reason) {
    t.skip(reason);
    return;
  }
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    CLAUDE_CONFIG_DIR: path.join(home, '.claude'),
    ANTHROPIC_BASE_URL: cria.base,
    ANTHROPIC_API_KEY: 'sk-cria-test',  // sent as x-api-key: cria runs with --api-key
    ANTHROPIC_MODEL: 'cria-tiny',
    ANTHROPIC_SMALL_FAST_MODEL: 'cria-tiny',
    ANTHROPIC_DEFAULT_HAIKU_MODEL: 'cria-tiny',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
    DISABLE_ERROR_REPORTING: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_BUG_COMMAND: '1',
  };
  const run = await runClaude(['-p', 'Say hello in one word.', '--model', 'cria-tiny', '--max-turns', '1'], env);
  const log = cria.log();
  const routes = [...log.matchAll(/method=(\S+) route=(\S+) status=(\d+)/g)].map((m) => `${m[1]} ${m[2]} ${m[3]}`);
  const diagnosis = `exit ${run.code} ${run.signal ?? ''}\nstdout: ${run.stdout.slice(0, 2000)}\nstderr: ${run.stderr.slice(0, 2000)}\n` +
    `cria saw: ${routes.join(', ')}\n${log.slice(-3000)}`;
  t.diagnostic(`cria saw: ${routes.join(', ')}`);
  assert.equal(run.code, 0, diagnosis);
  assert.equal(run.stdout.trim(), ANSWER, `not cria's answer on stdout\n${diagnosis}`);
  assert.doesNotMatch(run.stdout, /API Error/, diagnosis);
  // It spoke the Messages API, streamed, and every request of it succeeded.
  assert.ok(routes.some((r) => r.startsWith('POST /v1/messages') && r.endsWith(' 200')), diagnosis);
  assert.ok(!routes.some((r) => r.includes('/v1/messages') && !r.endsWith(' 200')), diagnosis);
});
