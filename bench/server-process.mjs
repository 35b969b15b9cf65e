// One server process (cria or llama-server) for a benchmark: on a free loopback port, its output
// in `logPath`, optionally niced, ready once /health answers 200. `children` is the set that
// trackChildren() (children.mjs) kills when the benchmark ends however it ends.
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

export async function startServer({ bin, args, logPath, children, cwd, nice = 0, stopTimeoutMs = 15000 }) {
  const port = await freePort();
  const full = [...args, '--host', '127.0.0.1', '--port', String(port)];
  const fd = fs.openSync(logPath, 'w');
  const [cmd, argv] = nice ? ['nice', ['-n', String(nice), bin, ...full]] : [bin, full];
  const proc = spawn(cmd, argv, { stdio: ['ignore', fd, fd], cwd, detached: true });
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
  for (let i = 0; i < 1200; ++i) {
    if (exited) throw new Error(`${bin} exited during start-up (${JSON.stringify(exited)}); see ${logPath}`);
    if ((await healthStatus(port)) === 200) return { port, stop, proc };
    await sleep(100);
  }
  await stop();
  throw new Error(`${bin}: /health never answered 200; see ${logPath}`);
}
