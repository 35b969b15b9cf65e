// Command-line options as seen from outside: --help, errors, environment variables, --api-key,
// --alias, and a port already in use.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCria, runCria, freePort, assertErrorShape, TINY_MODEL } from './lib/cria.mjs';
import { occupyPort } from './lib/misc-helpers.mjs';

// Arguments that would start a real server on a free port (so a wrongly accepted option shows up
// as a server that does not exit, killed by runCria's timeout: code null).
async function serverArgs(...extra) {
  return ['-m', TINY_MODEL, '--host', '127.0.0.1', '--port', String(await freePort()), ...extra];
}

function assertExitError(res, code, ...mustName) {
  assert.equal(res.code, code, `exit code ${res.code}\nstdout: ${res.stdout}\nstderr: ${res.stderr}`);
  for (const name of mustName) {
    assert.ok(res.stderr.includes(name), `stderr should name ${name}: ${res.stderr}`);
  }
}

describe('--help and bad command lines', () => {
  test('--help exits 0 and lists the main options and their environment variables', async () => {
    for (const flag of ['--help', '-h']) {
      const res = await runCria([flag]);
      assert.equal(res.code, 0, res.stderr);
      const help = res.stdout;
      assert.match(help, /-m, --model/);
      assert.match(help, /-c, --ctx-size/);
      assert.match(help, /-np, --parallel/);
      assert.match(help, /--host\b/);
      assert.match(help, /--port\b/);
      assert.match(help, /--api-key\b/);
      for (const env of ['LLAMA_ARG_MODEL', 'LLAMA_ARG_CTX_SIZE', 'LLAMA_ARG_N_PARALLEL', 'LLAMA_ARG_PORT', 'LLAMA_ARG_HOST']) {
        assert.ok(help.includes(env), `--help does not mention ${env}`);
      }
    }
  });

  test('--help needs no model, even after other options', async () => {
    const help = await runCria(['-c', '512', '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /--ctx-size/);
    const version = await runCria(['--version']);
    assert.equal(version.code, 0, version.stderr);
    assert.match(version.stdout, /cria/);
  });

  test('an unknown option exits 1 with a message naming it', async () => {
    assertExitError(await runCria(await serverArgs('--definitely-not-an-option')), 1, '--definitely-not-an-option');
    assertExitError(await runCria(await serverArgs('-zz', '3')), 1, '-zz');
  });

  // Options of llama-server whose feature cria lacks here start the server with a notice
  // (options-llama-server.test.mjs); a bad value is still an error naming the option.
  test('an option of a feature cria lacks is still checked: a bad value exits 1 naming it', async () => {
    assertExitError(await runCria(await serverArgs('--reasoning-budget', 'lots')), 1, '--reasoning-budget');
    assertExitError(await runCria(await serverArgs('--cache-reuse', '-5')), 1, '--cache-reuse');
    const res = await runCria(await serverArgs(), { env: { LLAMA_ARG_CACHE_RAM: 'x' } });
    assertExitError(res, 1, 'LLAMA_ARG_CACHE_RAM');
  });

  test('an option missing its value exits 1 naming the option', async () => {
    assertExitError(await runCria(['-m', TINY_MODEL, '-c']), 1, '-c');
    assertExitError(await runCria(['-m', TINY_MODEL, '--port']), 1, '--port');
    assertExitError(await runCria(['-m']), 1, '-m');
  });

  test('a malformed or out-of-range value exits 1 naming the option', async () => {
    assertExitError(await runCria(await serverArgs('-c', 'abc')), 1, '-c');
    assertExitError(await runCria(['-m', TINY_MODEL, '--port', '70000']), 1, '--port');
    assertExitError(await runCria(await serverArgs('-np', 'two')), 1, '-np');
  });

  test('no model exits 1 with a message saying so', async () => {
    const res = await runCria(['--port', String(await freePort())]);
    assert.equal(res.code, 1, res.stderr);
    assert.match(res.stderr, /model/i);
  });
});

describe('LLAMA_ARG_N_PARALLEL', () => {
  let fromEnv;
  let cliWins;
  before(async () => {
    fromEnv = await startCria([], { env: { LLAMA_ARG_N_PARALLEL: '3' } });
    cliWins = await startCria(['-np', '2'], { env: { LLAMA_ARG_N_PARALLEL: '3' } });
  });
  after(async () => {
    await fromEnv?.stop();
    await cliWins?.stop();
  });

  test('LLAMA_ARG_N_PARALLEL=3 gives total_slots 3', async () => {
    assert.equal((await fromEnv.get('/props')).body.total_slots, 3);
    assert.equal((await fromEnv.get('/health')).body.slots_idle, 3);
  });

  test('-np 2 on the command line beats LLAMA_ARG_N_PARALLEL=3', async () => {
    assert.equal((await cliWins.get('/props')).body.total_slots, 2);
    assert.equal((await cliWins.get('/health')).body.slots_idle, 2);
  });
});

describe('--api-key secret', () => {
  let cria;
  before(async () => { cria = await startCria(['--api-key', 'secret']); });
  after(async () => { await cria?.stop(); });

  const body = { prompt: 'Hello', n_predict: 2, temperature: 0 };

  test('/completion without Authorization is 401 authentication_error', async () => {
    const res = await cria.post('/completion', body);
    assertErrorShape(assert, res, 401);
    assert.equal(res.body.error.type, 'authentication_error');
  });

  test('a wrong key, or a malformed header, is 401 too', async () => {
    for (const auth of ['Bearer wrong', 'Bearer ', 'secret', 'Basic secret', 'Bearer secret2', 'Bearer Secret']) {
      const res = await cria.post('/completion', body, { Authorization: auth });
      assertErrorShape(assert, res, 401);
      assert.equal(res.body.error.type, 'authentication_error', auth);
    }
  });

  test('"Authorization: Bearer secret" is 200', async () => {
    const res = await cria.post('/completion', body, { Authorization: 'Bearer secret' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.tokens.length, 2);
  });

  test('other model routes need the key as well', async () => {
    assertErrorShape(assert, await cria.post('/tokenize', { content: 'Hello' }), 401);
    assert.equal((await cria.post('/tokenize', { content: 'Hello' }, { Authorization: 'Bearer secret' })).status, 200);
  });

  test('/health works without a key', async () => {
    const res = await cria.get('/health');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'ok');
  });
});

describe('--alias myname', () => {
  let cria;
  before(async () => { cria = await startCria(['--alias', 'myname']); });
  after(async () => { await cria?.stop(); });

  test('"model" in completion responses is the alias', async () => {
    const res = await cria.post('/completion', { prompt: 'Hello', n_predict: 2 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.model, 'myname');
    assert.equal(res.body.generation_settings.model, 'myname');
    const streamed = await cria.stream('/completion', { prompt: 'Hello', n_predict: 2 });
    assert.equal(streamed.events.at(-1).model, 'myname');
  });
});

describe('port already in use', () => {
  let blocker;
  before(async () => { blocker = await occupyPort(); });
  after(async () => { await blocker?.close(); });

  test('cria exits 1 with a message naming the address', async () => {
    const res = await runCria(['-m', TINY_MODEL, '--host', '127.0.0.1', '--port', String(blocker.port)],
      { timeoutMs: 30000 });
    assert.equal(res.code, 1, `exit code ${res.code}\n${res.stderr}`);
    const out = res.stderr + res.stdout;
    assert.ok(out.includes(String(blocker.port)), `message should name port ${blocker.port}: ${out}`);
    assert.match(out, /in use|listen|bind/i);
  });
});
