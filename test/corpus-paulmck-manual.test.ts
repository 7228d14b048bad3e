// The kernel community's corpus (paulmckrcu/litmus, the shared half), folder manual/, against
// herd7 7.58's recorded output: verdict, Ok/No, witnesses, states and flags. Tests herd7 did not
// finish in 20 s (TIMEOUTS.tsv) have no .expected and are not here. One file per folder so that
// the folders run in parallel.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusTests, PAULMCK } from './helpers/corpus.js';
import { parityCase } from './helpers/parity.js';

const tests = corpusTests([join(PAULMCK, 'manual')]);

describe('herd7 parity on paulmck/manual', () => {
  it('finds the folder\'s tests', () => {
    expect(tests.length).toBe(56);
  });
  for (const t of tests) parityCase(t, t.file.slice(t.file.indexOf('paulmck/')));
});
