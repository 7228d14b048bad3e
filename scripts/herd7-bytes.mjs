#!/usr/bin/env node
// How many of herd7's recorded outputs the drop-in reproduces byte for byte (but for the Time
// line): `node scripts/herd7-bytes.mjs DIR...` (after `npm run build`). Runs bin/litmus-herd7 with
// `-I ../shared/models/lkmm -conf linux-kernel.cfg`, as the .expected files were made, over every
// X.litmus that has an X.litmus.expected beside it (many files per process), and lists each
// difference with its first differing line. Exits 1 below --min PERCENT (default 99).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const minAt = args.indexOf('--min');
const min = minAt >= 0 ? Number(args.splice(minAt, 2)[1]) : 99;
const models = join(root, '..', 'shared', 'models', 'lkmm');

function walk(p, out) {
  if (statSync(p).isDirectory()) for (const n of readdirSync(p).sort()) walk(join(p, n), out);
  else if (p.endsWith('.litmus.expected')) out.push(p.slice(0, -'.expected'.length));
  return out;
}

const dropTime = (s) => s.split('\n').filter((l) => !l.startsWith('Time ')).join('\n');
const files = args.flatMap((a) => walk(a, []));
const blocksOf = (out) => out.split(/^(?=Test )/m).filter((b) => b.startsWith('Test '));
let same = 0;
const diffs = [];
for (let i = 0; i < files.length; i += 300) {
  const batch = files.slice(i, i + 300);
  const out = execFileSync(join(root, 'bin', 'litmus-herd7'), ['-I', models, '-conf', 'linux-kernel.cfg', ...batch], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  const blocks = blocksOf(out);
  for (const f of batch) {
    const want = readFileSync(f + '.expected', 'utf8');
    const name = want.split('\n')[0];
    const got = blocks.length > 0 && blocks[0].split('\n')[0] === name ? blocks.shift() : '';
    if (dropTime(got) === dropTime(want)) same++;
    else {
      const g = dropTime(got).split('\n');
      const w = dropTime(want).split('\n');
      const at = w.findIndex((l, k) => l !== g[k]);
      diffs.push(`${f}: line ${at + 1}: herd7 ${JSON.stringify(w[at])}, drop-in ${JSON.stringify(g[at] ?? '(no output)')}`);
    }
  }
}
for (const d of diffs) console.log(d);
const pct = (100 * same) / files.length;
console.log(`herd7-bytes: ${same}/${files.length} outputs byte for byte but for Time (${pct.toFixed(2)}%)`);
process.exitCode = pct >= min ? 0 : 1;
