// `npm run bench`: wall time and exploration figures per corpus and per scaling family.
// Speed is measured here, never by timed tests. Run after `npm ci` (which builds dist/).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decideSource } from '../dist/api.js';
import { browserMs } from './browser.mjs';
import { cmpxchgLockFamily, kvmRequestersFamily, kvmVcpusFamily, lockFamily, rcuFamily, rcuGpTest } from './families.mjs';

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
const kernel = results.find((r) => r.label === 'corpus lkmm-kernel');
if (kernel && !process.argv.includes('--no-browser')) {
  const ms = await browserMs(corpusFiles(join(shared, 'lkmm-kernel')), repeat);
  if (ms !== null) table.splice(table.indexOf(table.find((r) => r[0] === kernel.label)) + 1, 0, [`corpus lkmm-kernel in the browser (playground worker, ${(ms / kernel.ms).toFixed(2)}x in-process)`, String(kernel.tests), ms.toFixed(1), '', '', '', '', '']);
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

// ---- #12: verdict mode and full enumeration on the RCU grace-period and KVM families ----
// Each family is generated for growing sizes; full enumeration stops growing once one size takes
// longer than BENCH_FULL_MS (default 3000), verdict mode goes to the end. herd7's times are those
// of ../shared/corpus/paulmck/herd7-times.tsv for the corpus test of the same name (20 s there is
// its time limit: TIMEOUTS.tsv); the LKMM documentation's figures are for its RCU tests of 10,
// 16 and 19 processes (tools/memory-model/Documentation/litmus-tests.txt, "Performance").
const fullBudget = Number(process.env.BENCH_FULL_MS ?? 3000);
const rcuMax = Number(process.env.BENCH_RCU_MAX ?? 19);
const herdTimes = new Map();
const herdTimeouts = new Set();
const paulmck = join(shared, 'paulmck');
if (existsSync(join(paulmck, 'herd7-times.tsv'))) {
  for (const line of readFileSync(join(paulmck, 'herd7-times.tsv'), 'utf8').trim().split('\n').slice(1)) {
    const [path, , secs] = line.split('\t');
    herdTimes.set(path.replace(/^auto\//, '').replace(/\.litmus$/, ''), Number(secs));
  }
  for (const line of readFileSync(join(paulmck, 'TIMEOUTS.tsv'), 'utf8').trim().split('\n').slice(1)) herdTimeouts.add(line.split('\t')[0].replace(/^auto\//, '').replace(/\.litmus$/, ''));
}
const DOC = new Map([[10, '6 s'], [16, '15 min'], [19, '2 h 40 min']]);
// The goals of issue #12, for the rows it names.
const TARGETS = new Map([['RR-8', 'full < 3 s'], ['kvm-6', 'full < 5 s'], ['kvm-7', 'full < 60 s'], ['vcpus-8', 'verdict < 1 s, full < 10 s'], ['vcpus-16', 'verdict < 10 s']]);
// Before issue 19 (the whole test searched at once; same machine, medians): 6 vCPUs 4.8 s listed
// and 6.8 s in verdict mode (the figures); 8 and 16 stopped at the path work limit.
const VCPUS_BEFORE = new Map([[6, '4.8 s listed, 6.8 s verdict'], [8, 'incomplete (path work limit)'], [16, 'incomplete (path work limit)']]);

function timed(source, label, verdictOnly, reps = verdictOnly ? 3 : 1) {
  const times = [];
  let r;
  for (let k = 0; k < reps; k++) {
    const t0 = performance.now();
    const res = decideSource(source, `${label}.litmus`, { verdictOnly, timeoutMs: 120_000 });
    times.push(performance.now() - t0);
    if (!res.ok) throw new Error(`${label}: ${res.diagnostics[0].message}`);
    r = res.result;
  }
  const j = r.judgement;
  return { ms: median(times), verdict: j.complete ? j.observation : 'incomplete', explored: r.stats.explored, consistent: r.stats.consistent, states: j.states.length };
}

const fmtMs = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
const rows12 = [];
for (const kind of ['RR', 'RW', 'WW', 'WR']) {
  if (only && !`${kind}-G`.includes(only) && !'rcu-gp'.includes(only)) continue;
  let fullOn = true;
  for (let n = 4; n <= rcuMax; n++) {
    const t = rcuGpTest(kind, 'G'.repeat(n - 1) + 'R');
    const v = timed(t.source, t.name, true);
    let full = null;
    if (fullOn) {
      full = timed(t.source, t.name, false);
      if (full.ms > fullBudget) fullOn = false;
    }
    const herd = herdTimeouts.has(t.name) ? '> 20 s (timeout)' : herdTimes.has(t.name) ? `${herdTimes.get(t.name).toFixed(2)} s` : '';
    const ok = v.verdict === t.result && (!full || full.verdict === t.result) ? '' : ` MISMATCH (Result: ${t.result})`;
    rows12.push([`${kind}-G, ${n} processes`, v.verdict + ok, fmtMs(v.ms), full ? fmtMs(full.ms) : '-', full ? `${full.states} / ${full.explored} / ${full.consistent}` : '-', herd, kind === 'RR' || kind === 'RW' ? (DOC.get(n) ?? '') : '', TARGETS.get(`${kind}-${n}`) ?? (n === 19 ? 'verdict < 1 s' : '')]);
  }
}
if (!only || 'kvm-requesters'.includes(only)) {
  let fullOn = true;
  for (let n = 3; n <= Number(process.env.BENCH_KVM_MAX ?? 8); n++) {
    const src = kvmRequestersFamily(n);
    const v = timed(src, `kvm-requesters-${n}`, true);
    let full = null;
    if (fullOn && n <= Number(process.env.BENCH_KVM_FULL_MAX ?? 7)) {
      full = timed(src, `kvm-requesters-${n}`, false);
      if (full.ms > 60_000) fullOn = false;
    }
    const herd = n === 5 ? '97 s (measured for #12)' : '';
    rows12.push([`KVM requesters, ${n} threads`, v.verdict, fmtMs(v.ms), full ? fmtMs(full.ms) : '-', full ? `${full.states} / ${full.explored} / ${full.consistent}` : '-', herd, '', TARGETS.get(`kvm-${n}`) ?? '']);
  }
}
if (!only || 'kvm-vcpus'.includes(only)) {
  // One requester, kvm_make_all_cpus_request() on n vCPUs each entering with smp_store_mb():
  // n independent components (docs/performance-verdict.md); listing has 3^n executions.
  for (const n of [2, 4, 6, 8, 16]) {
    const src = kvmVcpusFamily(n);
    const listed = n <= Number(process.env.BENCH_VCPUS_FULL_MAX ?? 8);
    // One untimed run of each mode first: the two modes are compared ("verdict mode never slower
    // than listing"), and whichever ran first would otherwise pay the compilation of the other's code.
    decideSource(src, `kvm-vcpus-${n}.litmus`, { verdictOnly: true });
    if (listed) decideSource(src, `kvm-vcpus-${n}.litmus`, {});
    // Medians of as many runs in each mode (7: these take milliseconds).
    const v = timed(src, `kvm-vcpus-${n}`, true, 7);
    const full = listed ? timed(src, `kvm-vcpus-${n}`, false, 7) : null;
    rows12.push([`KVM vCPUs, ${n} (all-cpus request)`, v.verdict, fmtMs(v.ms), full ? fmtMs(full.ms) : '-', full ? `${full.states} / ${full.explored} / ${full.consistent}` : '-', '', '', TARGETS.get(`vcpus-${n}`) ?? '', VCPUS_BEFORE.get(n) ?? '']);
  }
}
if (rows12.length) {
  const head12 = ['family, size', 'verdict', 'verdict mode', 'full enumeration', 'states / explored / consistent', 'herd7 (corpus)', 'LKMM doc (herd7)', 'goal', 'before'];
  const w = head12.map((h, i) => Math.max(h.length, ...rows12.map((r) => (r[i] ?? '').length)));
  const ln = (cells) => '| ' + head12.map((_, i) => (cells[i] ?? '').padEnd(w[i])).join(' | ') + ' |';
  console.log('\n' + ln(head12));
  console.log('|' + w.map((x) => '-'.repeat(x + 2)).join('|') + '|');
  for (const r of rows12) console.log(ln(r));
}

// Start-up: one process per test, as the kernel's scripts run herd7 (bench/startup.mjs).
if (!only || 'startup'.includes(only)) {
  const { formatStartup, measureStartup } = await import('./startup.mjs');
  console.log('\n' + formatStartup(measureStartup()));
}
