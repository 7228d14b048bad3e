// Values justified through a cycle (issue 24): reads whose value only a cycle of the execution
// justifies, self-justified (out-of-thin-air) values as herd7's symbols, and the typed register
// declarations herd7 accepts in the initial state. Oracles: herd7's recorded outputs and the
// kernel corpus's Result: lines, quoted with each case.
import { describe, expect, it } from 'vitest';
import { decideSource } from '../src/api.js';
import { formatHerd } from '../src/report/herd.js';
import { parseHerdOutput } from './helpers/corpus.js';

function herd(source: string, opts: Parameters<typeof decideSource>[2] = {}) {
  const res = decideSource(source, 'cycle.litmus', opts);
  if (!res.ok) throw new Error(res.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n'));
  return { result: res.result, out: parseHerdOutput(formatHerd(res.result)) };
}

describe('typed register declarations in the initial state', () => {
  // herd7 accepts a register typed as in C, with or without a space after the star.
  for (const decl of ['int * 1:r1;', 'int *1:r1;', 'int* 1:r1 = x;', 'int 1:r1;']) {
    it(decl, () => {
      const src = `C decl\n{ ${decl} x=0; }\nP0(int *x) { int r2; r2 = READ_ONCE(*x); }\nP1(int *x) { int *r1; WRITE_ONCE(*x, 1); }\nexists (0:r2=0)\n`;
      expect(herd(src).out.observation).toBe('Sometimes');
    });
  }
});
