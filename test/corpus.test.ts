// The 114 founding tests (the kernel's own litmus tests and herdtools7's catalogue), through the
// library API, against herd7's recorded output: verdict, Ok/No, witnesses, states and flags.
import { describe, expect, it } from 'vitest';
import { corpusTests } from './helpers/corpus.js';
import { parityCase } from './helpers/parity.js';

const tests = corpusTests();

describe('herd7 parity on the founding corpora', () => {
  it('finds all 114 corpus tests', () => {
    expect(tests.length).toBe(114);
  });
  for (const t of tests) parityCase(t, t.file.split('/').slice(-2).join('/'));
});
