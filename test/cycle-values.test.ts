// Values justified through a cycle (issue 24): reads whose value only a cycle of the execution
// justifies, self-justified (out-of-thin-air) values as herd7's symbols, and the typed register
// declarations herd7 accepts in the initial state. Oracles: herd7's recorded outputs and the
// kernel corpus's Result: lines, quoted with each case.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideSource } from '../src/api.js';
import { loadCatModel } from '../src/api.js';
import { formatHerd } from '../src/report/herd.js';
import { ROOT } from './helpers/cli.js';
import { parseHerdOutput, SHARED } from './helpers/corpus.js';
import { sameStatesUpToRenaming } from './helpers/parity.js';

function herd(source: string, opts: Parameters<typeof decideSource>[2] = {}) {
  const res = decideSource(source, 'cycle.litmus', opts);
  if (!res.ok) throw new Error(res.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n'));
  const out = parseHerdOutput(formatHerd(res.result));
  return { result: res.result, out: { ...out, states: [...out.states].sort() } };
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

describe('values only a cycle justifies are explored', () => {
  // LB with a "crypto" control construct: the not-taken branch writes the constant 1, P1 copies it
  // back to x, and nothing orders P0's read before its write. herd7 (solving rf's equations):
  // Sometimes, 1 of 5 executions; the least fixpoint of the value domains (x only ever 0) said Never.
  const crypto = `C LB+crypto-control
{}
P0(int *x, int *y)
{
	int r1;

	r1 = 1;
	if (READ_ONCE(*x) == 0)
		r1 = 0;
	WRITE_ONCE(*y, r1);
}

P1(int *x, int *y)
{
	int r2;

	r2 = READ_ONCE(*y);
	WRITE_ONCE(*x, r2);
}

exists (0:r1=1)
`;
  it('the crypto-control case is Sometimes, with the execution herd7 finds', () => {
    const { out } = herd(crypto);
    expect(out.observation).toBe('Sometimes');
    expect([out.positive, out.negative]).toEqual([1, 4]);
    expect(out.states).toEqual(['0:r1=0', '0:r1=1']);
  });

  it('verdict mode finds it too', () => {
    const { result } = herd(crypto, { verdictOnly: true });
    expect(result.judgement.observation).toBe('Sometimes');
  });
});

describe('self-justified values are symbols', () => {
  // The plain cycle: herd7 lists 0:r1=S<n>; 1:r1=S<n> (one symbol, the same in both
  // threads) as a state of its own, which satisfies ~0:r1=0; the corpus's Result line for such
  // tests is Sometimes DATARACE.
  const plain = `C OOTA+plain
{}
P0(int *x, int *y)
{
	int r1;

	r1 = *x;
	*y = r1;
}

P1(int *x, int *y)
{
	int r1;

	r1 = *y;
	*x = r1;
}

locations [1:r1]
exists (~0:r1=0)
`;
  it('a plain cycle: one symbolic state, counted, satisfying ~0:r1=0', () => {
    const { out } = herd(plain);
    expect(out.observation).toBe('Sometimes');
    expect([out.positive, out.negative]).toEqual([1, 3]);
    expect(out.flags).toEqual(['data-race']);
    const symbolic = out.states.filter((s) => /S\d+/.test(s));
    expect(symbolic).toHaveLength(1);
    const [a, b] = [...symbolic[0].matchAll(/=(S\d+)/g)].map((m) => m[1]);
    expect(a).toBe(b); // one variable, copied by both threads
    expect(out.states.filter((s) => !/S\d+/.test(s))).toEqual(['0:r1=0; 1:r1=0']);
  });

  it('a concrete value on a cycle of copies is not an execution (only the symbol is)', () => {
    // A second writer of x gives the cycle the value 1 too; herd7 still has one execution per rf
    // and co, with a free symbol: 3 x 2 rf choices times 2 co orders of x, the cycle in 2 of them.
    // Counting the cycle's concrete instances (0 and 1) would give 14.
    const src = plain.replace('locations', 'P2(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\n\nlocations');
    const { out } = herd(src);
    expect(out.states.filter((s) => /S\d+/.test(s))).toHaveLength(1);
    expect(out.positive + out.negative).toBe(12);
  });

  it('a marked cycle (C-JO-OOTA-2: READ_ONCE/WRITE_ONCE around a plain read) has herd7s S23', () => {
    const file = join(SHARED, 'corpus/paulmck/manual/oota/C-JO-OOTA-2.litmus');
    const expected = parseHerdOutput(readFileSync(`${file}.expected`, 'utf8'));
    const { out } = herd(readFileSync(file, 'utf8'));
    expect(out.states).toEqual([...expected.states].sort()); // [b]=S23 and [b]=0
    expect([out.positive, out.negative]).toEqual([expected.positive, expected.negative]);
  });

  it('a marked cycle of data dependencies, under a model that allows it', () => {
    const loaded = loadCatModel({ cat: join(ROOT, 'test/fixtures/cat/coherence.cat') }, (p) => (existsSync(p) ? readFileSync(p, 'utf8') : null));
    if (!loaded.ok) throw new Error('coherence.cat');
    const marked = plain.replace(/r1 = \*(\w);/g, 'r1 = READ_ONCE(*$1);').replace(/\*(\w) = r1;/g, 'WRITE_ONCE(*$1, r1);').replace('~0:r1=0', '0:r1=0');
    const { out } = herd(marked, { model: loaded.loaded.model });
    expect(out.states.filter((s) => /S\d+/.test(s))).toHaveLength(1);
    expect(out.observation).toBe('Sometimes'); // the symbol is not 0
    // Under LKMM the data dependencies order each read before its write: no cycle, no symbol.
    const lkmm = herd(marked).out;
    expect(lkmm.states).toEqual(['0:r1=0; 1:r1=0']);
  });

  it('the symbol never prunes wrongly in verdict mode', () => {
    expect(herd(plain, { verdictOnly: true }).result.judgement.observation).toBe('Sometimes');
  });
});

describe('the parity helper compares symbols up to renaming, and nothing else', () => {
  it('renames one-to-one', () => {
    expect(sameStatesUpToRenaming(['[b]=S4', '[b]=0'], ['[b]=0', '[b]=S23'])).toBe(true);
    expect(sameStatesUpToRenaming(['0:r1=S1; 1:r1=S1'], ['0:r1=S8; 1:r1=S8'])).toBe(true);
    expect(sameStatesUpToRenaming(['0:r1=S1; 1:r1=S2'], ['0:r1=S8; 1:r1=S8'])).toBe(false);
    expect(sameStatesUpToRenaming(['[b]=S4', '[b]=1'], ['[b]=0', '[b]=S23'])).toBe(false);
    expect(sameStatesUpToRenaming(['[b]=0'], ['[b]=0', '[b]=S23'])).toBe(false);
  });
});
