// CPU placement (-C, -Cr, --cpu-strict, --prio): after a completion, the threads ggml computed on
// run where the options put them and at the priority they ask for, as /proc shows it (what
// `taskset -p` and `chrt -p` read). ggml's OpenMP build places the threads of computations that
// use more than one thread (the engine thread is one of them), so these servers run two threads.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { startCria, MODELS } from './lib/cria.mjs';
import { greedy, complete } from './lib/generation-helpers.mjs';

const TWO_THREADS = ['-t', '2', '-tb', '2'];
const SCHED_OTHER = 0;
const SCHED_FIFO = 1;
const SCHED_BATCH = 3;

// Each thread of `pid`: its CPUs as Linux lists them, its nice value and scheduling policy.
function threadsOf(pid) {
  return readdirSync(`/proc/${pid}/task`).map((tid) => {
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    // Fields after the command name in parentheses: the 19th of stat is [16] here, 40th [37], 41st [38].
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      tid: Number(tid),
      cpus: status.match(/^Cpus_allowed_list:\s*(\S+)/m)[1],
      nice: Number(fields[16]),
      rtprio: Number(fields[37]),
      policy: Number(fields[38]),
    };
  });
}

// The CPUs this test may run on, as Linux lists them (cria starts with the same).
const OWN_CPUS = readFileSync('/proc/self/status', 'utf8').match(/^Cpus_allowed_list:\s*(\S+)/m)[1];
const ONE_CPU = /^\d+$/.test(OWN_CPUS);
const CPU0_ALLOWED = /^0(?:[-,]|$)/.test(OWN_CPUS);

// Starts cria with `args`, makes one completion (prompt and generation: both pools), and returns
// the threads and the log.
async function threadsAfterCompletion(args) {
  const server = await startCria([...TWO_THREADS, ...args]);
  try {
    await complete(server, greedy('the cat sat on the mat and', 8));
    return { threads: threadsOf(server.proc.pid), pid: server.proc.pid, log: server.log() };
  } finally {
    await server.stop();
  }
}

describe('CPU affinity', { skip: ONE_CPU || !CPU0_ALLOWED ? `needs CPU 0 and another (this process may use ${OWN_CPUS})` : false }, () => {
  for (const placement of [['-C', '0x1', '--cpu-strict', '1'], ['-Cr', '0-0'], ['-C', '1']]) {
    test(`${placement.join(' ')}: the compute threads run on CPU 0 only`, async () => {
      const { threads, pid, log } = await threadsAfterCompletion(placement);
      const pinned = threads.filter((t) => t.cpus === '0');
      // The engine thread (the main thread) and ggml's second compute thread.
      assert.ok(pinned.some((t) => t.tid === pid), `engine thread not on CPU 0: ${JSON.stringify(threads)}`);
      assert.ok(pinned.length >= 2, `fewer than 2 threads on CPU 0: ${JSON.stringify(threads)}`);
      // The HTTP threads were started before the model loaded, where the system put them.
      assert.ok(threads.some((t) => t.cpus === OWN_CPUS), `every thread pinned: ${JSON.stringify(threads)}`);
      assert.match(log, /CPU threads of tiny.gguf \(generation and batches\): 2 on CPUs 0[ ,]/);
      assert.doesNotMatch(log, /notice: (-C|-Cr|--cpu-strict)/);
    });
  }

  test('without placement options no thread is pinned', async () => {
    const { threads, log } = await threadsAfterCompletion([]);
    for (const t of threads) assert.equal(t.cpus, OWN_CPUS, JSON.stringify(threads));
    assert.doesNotMatch(log, /CPU threads of/);
  });

  test('-Cb places the batch threads; the generation threads keep theirs', async () => {
    const { threads, log } = await threadsAfterCompletion(['-C', '0x1', '-Cb', '0x3']);
    assert.match(log, /CPU threads of tiny.gguf \(generation\): 2 on CPUs 0,/);
    assert.match(log, /CPU threads of tiny.gguf \(batch\): 2 on CPUs 0-1,/);
    assert.ok(threads.some((t) => t.cpus === '0'), JSON.stringify(threads));
  });
});

describe('the draft model\'s threads (-Cd)', { skip: ONE_CPU || !CPU0_ALLOWED ? `needs CPU 0 and another (${OWN_CPUS})` : false }, () => {
  test('-Cd 0x1 places the draft context\'s threads; the main context keeps ggml\'s own', async () => {
    const { threads, pid, log } = await threadsAfterCompletion(['-md', path.join(MODELS, 'tiny-draft.gguf'), '-Cd', '0x1']);
    assert.match(log, /CPU threads of tiny-draft\.gguf \(generation and batches\): 2 on CPUs 0,/);
    assert.doesNotMatch(log, /CPU threads of tiny\.gguf/);
    // The main context's computations (ggml's own threads) place nothing: the engine thread stays
    // where the draft's last computation put it.
    assert.equal(threads.find((t) => t.tid === pid).cpus, '0', JSON.stringify(threads));
  });
});

describe('priority (--prio)', () => {
  test('--prio -1: the process at nice 5, the compute threads SCHED_BATCH', async () => {
    const { threads, pid } = await threadsAfterCompletion(['--prio', '-1']);
    const main = threads.find((t) => t.tid === pid);
    assert.equal(main.nice, 5, JSON.stringify(threads));
    assert.equal(main.policy, SCHED_BATCH, JSON.stringify(threads));
    // Set before any thread started: every thread has it.
    for (const t of threads) assert.equal(t.nice, 5, JSON.stringify(threads));
  });

  test('--prio 1: nice -5 and SCHED_FIFO compute threads where permitted, else a warning and normal', async () => {
    const { threads, pid, log } = await threadsAfterCompletion(['--prio', '1']);
    const main = threads.find((t) => t.tid === pid);
    if (process.getuid() === 0) {
      assert.equal(main.nice, -5, JSON.stringify(threads));
      assert.equal(main.policy, SCHED_FIFO, JSON.stringify(threads));
      assert.ok(main.rtprio > 0, JSON.stringify(threads));
      assert.ok(threads.filter((t) => t.policy === SCHED_FIFO).length >= 2, JSON.stringify(threads));
    } else {
      assert.match(log, /--prio 1: cannot set the process priority/);
      assert.match(log, /thread priority medium for tiny.gguf: not permitted/);
      assert.equal(main.policy, SCHED_OTHER, JSON.stringify(threads));
    }
  });

  test('--prio-batch alone changes no process priority', async () => {
    const { threads, pid } = await threadsAfterCompletion(['--prio-batch', '-1']);
    assert.equal(threads.find((t) => t.tid === pid).nice, 0, JSON.stringify(threads));
  });
});
