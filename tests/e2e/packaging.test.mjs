// Packaging: `cmake --install` puts the binary and a systemd unit in place, and the unit starts
// the installed binary. (The Dockerfile is not built here: this machine has no Docker daemon.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILD_DIR } from './lib/cria.mjs';

test('cmake --install: binary and systemd unit, the unit pointing at the binary', () => {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'cria-install-'));
  execFileSync('cmake', ['--install', BUILD_DIR, '--prefix', prefix], { stdio: 'pipe' });
  const binary = path.join(prefix, 'bin', 'cria');
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^cria /);

  const unitPath = path.join(prefix, 'lib', 'systemd', 'system', 'cria.service');
  const unit = fs.readFileSync(unitPath, 'utf8');
  assert.match(unit, new RegExp(`^ExecStart=${binary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} `, 'm'));
  assert.match(unit, /^KillSignal=SIGTERM$/m);
  assert.match(unit, /^EnvironmentFile=-\/etc\/default\/cria$/m);
  // systemd's own checker, where systemd is installed.
  const verify = spawnSync('systemd-analyze', ['verify', unitPath], { encoding: 'utf8' });
  if (verify.error?.code !== 'ENOENT') {
    assert.equal(verify.status, 0, `systemd-analyze verify: ${verify.stdout}${verify.stderr}`);
  }
});
