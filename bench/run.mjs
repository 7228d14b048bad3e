// `npm run bench`: wall time and exploration figures per corpus and per scaling family.
// Speed is measured here, never by timed tests. Run after `npm ci` (which builds dist/).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decideSource } from '../dist/api.js';
import { cmpxchgLockFamily, lockFamily, rcuFamily } from './families.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(root, '../shared/corpus');
const perTest = !process.argv.includes('--summary');
const repeat = Number(process.env.BENCH_REPEAT ?? 5);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function corpusFiles(dir) {
  return readdirSync(dir).filter((f) => f.endsWith('.litmus')).sort().map((f) => join(dir, f));
}

function runFiles(label, files) {
  const sources = files.map((f) => [f, readFileSync(f, 'utf8')]);
  const times = [];
  let explored = 0;
  let consistent = 0;
  let rows = [];
  for (let k = 0; k < repeat; k++) {
    explored = 0;
    consistent = 0;
    rows = [];
    const t0 = performance.now();
    for (const [f, src] of sources) {
      const r = decideSource(src, f);
      if (!r.ok) throw new Error(`${f}: ${r.diagnostics[0].message}`);
      explored += r.result.stats.explored;
      consistent += r.result.stats.consistent;
      rows.push([r.result.name, r.result.stats.explored, r.result.stats.consistent, r.result.timeMs]);
    }
    times.push(performance.now() - t0);
  }
  return { label, tests: files.length, ms: median(times), explored, consistent, rows };
}

/** Peak heap while exploring, sampled as executions stream past (they are not kept). */
function heapProbe() {
  let peak = 0;
  let seen = 0;
  return {
    onExecution() {
      if ((++seen & 127) === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    },
    peakMB: () => Math.max(peak, process.memoryUsage().heapUsed) / 2 ** 20,
  };
}

function runFamily(label, source) {
  const times = [];
  let r;
  let heap = 0;
  const reps = Math.max(1, Math.min(repeat, 3));
  for (let k = 0; k < reps; k++) {
    globalThis.gc?.();
    const probe = heapProbe();
    const t0 = performance.now();
    const res = decideSource(source, `${label}.litmus`, { onExecution: probe.onExecution });
    times.push(performance.now() - t0);
    heap = probe.peakMB();
    if (!res.ok) throw new Error(res.diagnostics[0].message);
    r = res.result;
  }
  return { label, tests: 1, ms: median(times), explored: r.stats.explored, consistent: r.stats.consistent, verdict: r.judgement.observation, heap, rows: [] };
}

/** Whole process, start-up included: the CLI over both corpora in one call. */
function wholeProcess(files) {
  const times = [];
  for (let k = 0; k < repeat; k++) {
    const t0 = performance.now();
    execFileSync(process.execPath, [join(root, 'bin/litmus-check'), 'run', '--format', 'herd', ...files], { stdio: ['ignore', 'ignore', 'inherit'] });
    times.push(performance.now() - t0);
  }
  return median(times);
}

const results = [];
const allFiles = [];
const only = process.env.BENCH_ONLY;
for (const c of ['lkmm-kernel', 'herd-catalogue-linux']) {
  const dir = join(shared, c);
  if (!existsSync(dir) || (only && !`corpus ${c}`.includes(only))) continue;
  const files = corpusFiles(dir);
  allFiles.push(...files);
  results.push(runFiles(`corpus ${c}`, files));
}
const families = [
  ['lock family, 4 threads', lockFamily(4)],
  ['lock family, 5 threads', lockFamily(5)],
  ['lock family, 6 threads', lockFamily(6)],
  ['cmpxchg lock family, 4 threads', cmpxchgLockFamily(4)],
  ['cmpxchg lock family, 5 threads', cmpxchgLockFamily(5)],
  ['RCU family, 8 processes', rcuFamily(8)],
  ['RCU family, 10 processes', rcuFamily(10)],
  ['RCU family, 12 processes', rcuFamily(12)],
];
for (const [label, src] of families) if (!only || label.includes(only)) results.push(runFamily(label, src));

const head = ['benchmark', 'tests', 'wall ms (median)', 'explored', 'consistent', 'explored/consistent', 'verdict', 'peak heap MB'];
const table = results.map((r) => [r.label, String(r.tests), r.ms.toFixed(1), String(r.explored), String(r.consistent), r.consistent ? (r.explored / r.consistent).toFixed(2) : '-', r.verdict ?? '', r.heap ? r.heap.toFixed(1) : '']);
const corpora = results.filter((r) => r.label.startsWith('corpus'));
if (corpora.length > 1) {
  const e = corpora.reduce((a, r) => a + r.explored, 0);
  const c = corpora.reduce((a, r) => a + r.consistent, 0);
  table.splice(corpora.length, 0, ['both corpora (in process)', String(corpora.reduce((a, r) => a + r.tests, 0)), corpora.reduce((a, r) => a + r.ms, 0).toFixed(1), String(e), String(c), (e / c).toFixed(2), '', '']);
}
if (allFiles.length) {
  const ms = wholeProcess(allFiles);
  table.push([`whole process, both corpora (${allFiles.length} tests, start-up included)`, String(allFiles.length), ms.toFixed(1), '', '', '', '', '']);
}
const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
const line = (cells) => '| ' + cells.map((c, i) => c.padEnd(widths[i])).join(' | ') + ' |';
console.log(line(head));
console.log('|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|');
for (const r of table) console.log(line(r));

if (perTest) {
  console.log('\nper test: explored / consistent');
  for (const r of results) for (const [name, e, c, ms] of r.rows) console.log(`${name.padEnd(60)} ${String(e).padStart(7)} ${String(c).padStart(7)} ${(c ? e / c : 0).toFixed(2).padStart(6)} ${ms.toFixed(2).padStart(8)}ms`);
}
