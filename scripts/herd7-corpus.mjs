#!/usr/bin/env node
// The way the kernel's scripts run a corpus: one litmus-herd7 process per test, one after the
// other, with herd7's 20 s limit. `node scripts/herd7-corpus.mjs DIR` (e.g. ../shared/corpus/paulmck)
// prints the total wall time beside herd7's (DIR/herd7-times.tsv), the tests that ran out of time,
// and every judgement that differs from herd7's (its .expected Observation, or TIMEOUTS.tsv's
// Result: where herd7 itself ran out of time). `--jobs N` runs N at once (each still its own
// process); CPU time (user+sys, through /usr/bin/time) is summed too: on a loaded machine it says
// more than wall time.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const jobsAt = argv.indexOf('--jobs');
const jobs = jobsAt >= 0 ? Number(argv.splice(jobsAt, 2)[1]) : 1;
const dir = argv[0];
const limit = Number(argv[1] ?? 20);
const scratch = mkdtempSync(join(tmpdir(), 'herd7-corpus-'));
const models = join(root, '..', 'shared', 'models', 'lkmm');
const walk = (p) => (statSync(p).isDirectory() ? readdirSync(p).sort().flatMap((n) => walk(join(p, n))) : p.endsWith('.litmus') ? [p] : []);
const tsv = (f) => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')) : []);
const herdTimes = tsv(join(dir, 'herd7-times.tsv'));
const timeouts = new Map(tsv(join(dir, 'TIMEOUTS.tsv')).map(([p, r]) => [p, r]));

let total = 0;
let cpuTotal = 0;
const slow = [];
const differ = [];
const times = [];
const run = (f, k) =>
  new Promise((done) => {
    const cpuFile = join(scratch, String(k));
    const t0 = performance.now();
    const args = ['-f', '%U %S', '-o', cpuFile, join(root, 'bin', 'litmus-herd7'), '-I', models, '-conf', 'linux-kernel.cfg', '-timeout', String(limit), f];
    execFile('/usr/bin/time', args, { encoding: 'utf8', maxBuffer: 1 << 28 }, (_e, stdout) => {
      const cpu = readFileSync(cpuFile, 'utf8').trim().split('\n').pop().split(/\s+/).map(Number).reduce((a, b) => a + b, 0);
      done({ stdout, s: (performance.now() - t0) / 1000, cpu });
    });
  });
const files = walk(dir);
let next = 0;
async function worker(k) {
  while (next < files.length) {
    const f = files[next++];
    judge(f, await run(f, k));
  }
}
await Promise.all(Array.from({ length: jobs }, (_, k) => worker(k)));
rmSync(scratch, { recursive: true, force: true });

function judge(f, r) {
  const rel = relative(dir, f);
  total += r.s;
  cpuTotal += r.cpu;
  times.push(r.s);
  if (times.length % 100 === 0) process.stderr.write(`${times.length} tests: wall ${total.toFixed(1)} s, CPU ${cpuTotal.toFixed(1)} s, ${slow.length} without a result, ${differ.length} differ\n`);
  const got = /^Observation \S+ (\S+)/m.exec(r.stdout)?.[1];
  if (!got) slow.push(rel);
  const want = existsSync(`${f}.expected`) ? /^Observation \S+ (\S+)/m.exec(readFileSync(`${f}.expected`, 'utf8'))?.[1] : timeouts.get(rel)?.split(' ')[0];
  // herd7 reports a `Never DATARACE` Result: as Sometimes with Flag data-race (PROVENANCE.md).
  const dataRace = timeouts.get(rel)?.includes('DATARACE') && /^Flag data-race$/m.test(r.stdout);
  if (want !== undefined && got !== undefined && got !== want && !dataRace) differ.push(`${rel}: herd7 ${want}, drop-in ${got}`);
}
times.sort((a, b) => a - b);
const finished = herdTimes.filter(([p]) => !timeouts.has(p));
const herdTotal = finished.reduce((n, [, , s]) => n + Number(s), 0);
for (const d of differ) console.log(`differs: ${d}`);
for (const s of slow) console.log(`no result within ${limit} s: ${s}`);
console.log(`herd7-corpus: ${times.length} tests, one process each (${jobs} at a time): wall ${total.toFixed(1)} s summed (median ${times[times.length >> 1].toFixed(3)} s per test), CPU ${cpuTotal.toFixed(1)} s; ${slow.length} without a result in ${limit} s, ${differ.length} judgements differ`);
console.log(`herd7 (herd7-times.tsv): ${herdTotal.toFixed(1)} s for the ${finished.length} tests it finished, plus ${timeouts.size} timeouts of ${limit} s`);
