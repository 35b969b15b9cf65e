// The server processes a benchmark started, killed when it ends however it ends: normally, by an
// exception, or by a signal (then it exits with `signalExitCode`). Shared by bench/run.mjs and
// bench/soak.mjs.
export function trackChildren(name, signalExitCode) {
  const children = new Set();
  const killAll = () => {
    for (const c of children) {
      try {
        c.kill('SIGKILL');
      } catch { /* gone */ }
    }
  };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      process.stderr.write(`${name}: ${sig}, stopping the servers\n`);
      killAll();
      process.exit(signalExitCode);
    });
  }
  return children;
}
