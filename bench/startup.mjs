// Start-up: the wall time of one process, the way the kernel's scripts use herd7 (one process per
// test). Each command runs RUNS times, interleaved with the others so a loaded machine slows them
// alike; the figures are medians. `node bench/startup.mjs` alone, or the last rows of `npm run bench`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const small = resolve(root, '../shared/kernel-mm/memory-model/litmus-tests/CoRR+poonceonce+Once.litmus');
const models = resolve(root, '../shared/models/lkmm');

export const STARTUP_COMMANDS = [
  { label: 'bare node (node -e 0)', argv: ['-e', '0'] },
  { label: 'litmus-check --version', argv: [join(root, 'bin/litmus-check'), '--version'] },
  { label: 'litmus-check run, one small test', argv: [join(root, 'bin/litmus-check'), 'run', '--format', 'herd', small] },
  { label: 'litmus-herd7 -conf linux-kernel.cfg, one small test', argv: [join(root, 'bin/litmus-herd7'), '-I', models, '-conf', 'linux-kernel.cfg', small], herd7: 0.015 },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// CPU time (user + sys) too, through /usr/bin/time where there is one: on a loaded machine it
// says more than wall time, which includes waiting for a core.
const TIME = '/usr/bin/time';

export function measureStartup(runs = Number(process.env.STARTUP_RUNS ?? 21)) {
  const wall = STARTUP_COMMANDS.map(() => []);
  const cpu = STARTUP_COMMANDS.map(() => []);
  const dir = mkdtempSync(join(tmpdir(), 'startup-'));
  const out = join(dir, 'cpu');
  const timed = existsSync(TIME);
  for (let k = 0; k < runs; k++) {
    STARTUP_COMMANDS.forEach((c, i) => {
      const [cmd, args] = timed ? [TIME, ['-f', '%U %S', '-o', out, process.execPath, ...c.argv]] : [process.execPath, c.argv];
      const t0 = performance.now();
      const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
      wall[i].push((performance.now() - t0) / 1000);
      if (r.status !== 0) throw new Error(`${c.label}: exit ${r.status}: ${r.stderr}`);
      if (timed) cpu[i].push(readFileSync(out, 'utf8').trim().split(/\s+/).map(Number).reduce((a, b) => a + b, 0));
    });
  }
  rmSync(dir, { recursive: true, force: true });
  return STARTUP_COMMANDS.map((c, i) => ({ label: c.label, seconds: median(wall[i]), cpu: timed ? median(cpu[i]) : undefined, herd7: c.herd7 }));
}

/**
 * The rows, each with its ratio to bare node's (the first row): on a machine shared with other
 * work, wall times swing with the load while the ratios hold (issue 21's target: 0.10 s wall
 * where bare node takes about 0.06 s).
 */
export function formatStartup(rows) {
  const [bare] = rows;
  const lines = ['start-up, one process (medians: wall time, CPU user+sys, each also as a multiple of bare node; herd7 7.58 beside)'];
  for (const r of rows) {
    const x = (a, b) => `${(a / b).toFixed(2)}x`;
    const cpu = r.cpu !== undefined ? `   cpu ${r.cpu.toFixed(3)} s (${x(r.cpu, bare.cpu)})` : '';
    lines.push(`  ${r.label.padEnd(52)} ${r.seconds.toFixed(3)} s (${x(r.seconds, bare.seconds)})${cpu}${r.herd7 !== undefined ? `   herd7 ${r.herd7.toFixed(3)} s` : ''}`);
  }
  return lines.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(formatStartup(measureStartup()));
