#!/usr/bin/env node
// The way the kernel's scripts run a corpus: one litmus-herd7 process per test, one after the
// other, with herd7's 20 s limit. `node scripts/herd7-corpus.mjs DIR` (e.g. ../shared/corpus/paulmck)
// prints the total wall time beside herd7's (DIR/herd7-times.tsv), the tests that ran out of time,
// and every judgement that differs from herd7's (its .expected Observation, or TIMEOUTS.tsv's
// Result: where herd7 itself ran out of time).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = process.argv[2];
const limit = Number(process.argv[3] ?? 20);
const models = join(root, '..', 'shared', 'models', 'lkmm');
const walk = (p) => (statSync(p).isDirectory() ? readdirSync(p).sort().flatMap((n) => walk(join(p, n))) : p.endsWith('.litmus') ? [p] : []);
const tsv = (f) => (existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')) : []);
const herdTimes = tsv(join(dir, 'herd7-times.tsv'));
const timeouts = new Map(tsv(join(dir, 'TIMEOUTS.tsv')).map(([p, r]) => [p, r]));

let total = 0;
const slow = [];
const differ = [];
const times = [];
for (const f of walk(dir)) {
  const rel = relative(dir, f);
  const t0 = performance.now();
  const r = spawnSync(join(root, 'bin', 'litmus-herd7'), ['-I', models, '-conf', 'linux-kernel.cfg', '-timeout', String(limit), f], { encoding: 'utf8' });
  const s = (performance.now() - t0) / 1000;
  total += s;
  times.push(s);
  const got = /^Observation \S+ (\S+)/m.exec(r.stdout)?.[1];
  if (!got) slow.push(rel);
  const want = existsSync(`${f}.expected`) ? /^Observation \S+ (\S+)/m.exec(readFileSync(`${f}.expected`, 'utf8'))?.[1] : timeouts.get(rel)?.split(' ')[0];
  // herd7 reports a `Never DATARACE` Result: as Sometimes with Flag data-race (PROVENANCE.md).
  const dataRace = timeouts.get(rel)?.includes('DATARACE') && /^Flag data-race$/m.test(r.stdout);
  if (want !== undefined && got !== undefined && got !== want && !dataRace) differ.push(`${rel}: herd7 ${want}, drop-in ${got}`);
}
times.sort((a, b) => a - b);
const herdTotal = herdTimes.reduce((n, [, , s]) => n + Number(s), 0);
for (const d of differ) console.log(`differs: ${d}`);
for (const s of slow) console.log(`no result within ${limit} s: ${s}`);
console.log(`herd7-corpus: ${times.length} tests, one process each: ${total.toFixed(1)} s in all (median ${times[times.length >> 1].toFixed(3)} s per test), ${slow.length} without a result in ${limit} s, ${differ.length} judgements differ`);
console.log(`herd7 (herd7-times.tsv): ${herdTotal.toFixed(1)} s in all, ${timeouts.size} timeouts`);
