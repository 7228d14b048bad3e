#!/usr/bin/env node
// `npm run fuzz`: the long campaigns, one per correctness property, each with its own process.
// FUZZ_RUNS (default 100000), FUZZ_SEED (default 1), FUZZ_OUT (default fuzz-failures) override.
// Exits 1 if any property failed (its shrunk files are in FUZZ_OUT), 3 if a time limit cut one short.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const runs = process.env.FUZZ_RUNS ?? '100000';
const seed = process.env.FUZZ_SEED ?? '1';
const out = process.env.FUZZ_OUT ?? 'fuzz-failures';
const properties = ['engines-agree', 'sc-subset', 'strengthen-monotone', 'print-parse', 'parse-total'];
// parse-total also mutates the shared corpus's files, when it is there (docs/fuzz.md's figures).
const corpus = join(root, '../shared/corpus');
let worst = 0;
for (const property of properties) {
  const args = [join(root, 'bin/litmus-check'), 'fuzz', '--property', property, '--runs', runs, '--seed', seed, '--out', out];
  if (property === 'parse-total' && existsSync(corpus)) args.push('--corpus', corpus);
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  const code = r.status ?? 2;
  if (code !== 0 && (worst === 0 || code === 1)) worst = code;
}
process.exit(worst);
