// The processes of a benchmark: a server (cria or llama-server) on a free loopback port, ready once
// /health answers 200, or any other helper process; each with its output in `logPath`, optionally
// niced. `children` is the set that trackChildren() (children.mjs) kills when the benchmark ends
// however it ends.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { freePort, sleep } from '../tests/e2e/lib/cria.mjs';

function healthStatus(port) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', agent: false, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

// One helper process of a benchmark that is not an HTTP server (an RPC worker, a load balancer):
// started with its output in `logPath` and `env` added to the environment; `stop()` sends SIGTERM,
// then SIGKILL after `stopTimeoutMs`. `exitStatus()` is null while it runs.
export function startProcess({ bin, args, logPath, children, cwd, env = {}, nice = 0, stopTimeoutMs = 15000 }) {
  const fd = fs.openSync(logPath, 'w');
  const [cmd, argv] = nice ? ['nice', ['-n', String(nice), bin, ...args]] : [bin, args];
  const proc = spawn(cmd, argv, { stdio: ['ignore', fd, fd], cwd, detached: true, env: { ...process.env, ...env } });
  fs.closeSync(fd);
  children.add(proc);
  // A detached child leads its own autogroup: give the group the niceness too.
  if (nice) { try { fs.writeFileSync(`/proc/${proc.pid}/autogroup`, String(nice)); } catch { /* no autogroups */ } }
  let exited = null;
  const done = new Promise((resolve) => proc.on('exit', (code, signal) => { exited = { code, signal }; children.delete(proc); resolve(); }));
  const stop = async () => {
    if (exited) return;
    proc.kill('SIGTERM');
    await Promise.race([done, sleep(stopTimeoutMs)]);
    if (!exited) proc.kill('SIGKILL');
  };
  return { proc, stop, exitStatus: () => exited };
}

// A server (cria, llama-server) on a free loopback port, returned once /health answers 200.
export async function startServer({ bin, args, logPath, children, cwd, env = {}, nice = 0, stopTimeoutMs = 15000 }) {
  const port = await freePort();
  const full = [...args, '--host', '127.0.0.1', '--port', String(port)];
  const { proc, stop, exitStatus } = startProcess({ bin, args: full, logPath, children, cwd, env, nice, stopTimeoutMs });
  for (let i = 0; i < 1200; ++i) {
    if (exitStatus()) throw new Error(`${bin} exited during start-up (${JSON.stringify(exitStatus())}); see ${logPath}`);
    if ((await healthStatus(port)) === 200) return { port, stop, proc };
    await sleep(100);
  }
  await stop();
  throw new Error(`${bin}: /health never answered 200; see ${logPath}`);
}
