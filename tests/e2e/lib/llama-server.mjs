// The installed llama-server (Debian llama.cpp-tools 0.7): the oracle that tests compare cria with,
// started the way startCria starts cria.
import { execFileSync, spawn } from 'node:child_process';
import { CriaServer, freePort, waitForHealth } from './cria.mjs';

// Its path, or null when it is not installed (scripts/install-deps installs it).
export function llamaServerPath() {
  try {
    return execFileSync('sh', ['-c', 'command -v llama-server'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

// Starts llama-server on `model` with `args` on a loopback port and waits until /health is 200.
// The result has CriaServer's get / post / stream / stop.
export async function startLlamaServer(model, args = [], { binary = llamaServerPath(), timeoutMs = 30000 } = {}) {
  if (!binary) throw new Error('llama-server is not installed (Debian llama.cpp-tools: scripts/install-deps)');
  const port = await freePort();
  const proc = spawn(binary, ['-m', model, '--host', '127.0.0.1', '--port', String(port), ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout.on('data', (d) => { log += d; });
  proc.stderr.on('data', (d) => { log += d; });
  const server = new CriaServer(proc, port, () => log);
  await waitForHealth(server, 200, timeoutMs);
  return server;
}
