// The shortcuts taken for speed (docs/performance.md): each must mean exactly what the slow way
// meant. Oracles: BigInt for literals, a naive edit distance for `Result:` keys, and the general
// path of the value-flow shortcuts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Lexer } from '../src/parse/lexer.js';
import { readExpectations } from '../src/parse/expectations.js';
import { decideSource, prepareTest } from '../src/api.js';
import { valueFlow, type ValueFlow } from '../src/explore/value-flow.js';
import { buildTest, programSpecArb } from '../src/fuzz/generate.js';
import { printLitmus } from '../src/parse/print.js';
import { CORPORA, PAULMCK, corpusTests } from './helpers/corpus.js';

describe('integer literals: a double up to 15 characters, a BigInt beyond, the same values', () => {
  const literals = ['0', '7', '017', '4096u', '42UL', '999999999999999', '1000000000000000', '9007199254740991', '9007199254740993', '18446744073709551615', '0x1', '0xFFul', '0x1fffffffffffff', '0x20000000000001', '0xffffffffffffffff', '0XABCDEF0123456'];
  for (const lit of literals) {
    it(lit, () => {
      const t = new Lexer(lit).next('code');
      const digits = lit.replace(/[uUlL]+$/, '');
      const exact = BigInt(digits);
      expect(t.kind).toBe('num');
      expect(t.text).toBe(lit);
      expect(t.value).toBe(Number(exact));
      // Exact: a value a double cannot hold is kept as a bigint, and only then.
      expect(t.big ?? BigInt(t.value)).toBe(exact);
      expect(t.big !== undefined).toBe(!Number.isSafeInteger(Number(exact)));
    });
  }
  it('still refuses more than 64 bits', () => {
    expect(() => new Lexer('0x10000000000000000').next('code')).toThrow('is too large');
  });
});

function levenshtein(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length];
}

describe('Result: keys: only words that cannot be "Result" misspelt are skipped early', () => {
  // Every word of one edit from "result" (and a few more and less), each as `<word>: Never`.
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  const words = new Set<string>(['Result', 'Results', 'RESULT', 'result', 'Resutl', 'Rseult', 'Reslt', 'Resultss', 'Resu', 'Res', 'Resulted', 'Outcome', 'Results:', 'Rslt', 'tluser']);
  const base = 'result';
  for (let i = 0; i <= base.length; i++) {
    for (const c of letters) {
      words.add(base.slice(0, i) + c + base.slice(i)); // insertions (7 letters)
      if (i < base.length) words.add(base.slice(0, i) + c + base.slice(i + 1)); // substitutions
    }
    if (i < base.length) words.add(base.slice(0, i) + base.slice(i + 1)); // deletions (5 letters)
  }
  for (const w of ['resu', 'resul', 'resultxy', 'reesultt', 'abcd', 'abcdefgh', 'rsltue', 'rrsult']) words.add(w);
  it(`flags exactly the result-like keys (${words.size} words)`, () => {
    for (const word of words) {
      if (!/^[A-Za-z]{4,8}$/.test(word)) continue;
      const w = word.toLowerCase();
      const resultLike = levenshtein(w, 'result') <= 1 || w === 'results' || [...w].sort().join('') === 'elrstu';
      const r = readExpectations([{ text: `(* ${word}: Never *)`, pos: { line: 1, col: 1 } }], 't.litmus');
      const read = r.expected !== null || r.diagnostics.length > 0;
      expect(read, word).toBe(resultLike);
      if (resultLike && word !== 'Result') expect(r.diagnostics[0].message, word).toContain("did you mean 'Result: Never'?");
    }
  });
});

// ---- Value flow (src/explore/value-flow.ts) ----
// Two shortcuts of path enumeration: a computed address denotes only the addresses the program
// can hold as values (not every location), and the looks with unknown values are skipped when no
// read reaches a later write that leads back to it. The oracle: the same test decided with
// `coarseValueFlow` (every location for a computed address, the looks always made).

function decided(source: string, file: string, coarse: boolean) {
  const r = decideSource(source, file, { coarseValueFlow: coarse });
  if (!r.ok) throw new Error(`${file}: ${r.diagnostics[0].message}`);
  const { judgement, stats } = r.result;
  return { judgement, explored: stats.explored, consistent: stats.consistent, flow: valueFlow(r.result.program) };
}

function sameBothWays(source: string, file: string): ValueFlow {
  const fine = decided(source, file, false);
  const coarse = decided(source, file, true);
  expect(fine.judgement, file).toEqual(coarse.judgement);
  expect([fine.explored, fine.consistent], file).toEqual([coarse.explored, coarse.consistent]);
  return fine.flow;
}

describe('value flow: the shortcuts decide every test as the general path does', () => {
  it('the two corpora and the pointer and cycle tests of paulmck/manual', () => {
    const tests = corpusTests([...CORPORA, join(PAULMCK, 'manual')]);
    let skipped = 0;
    for (const t of tests) if (!sameBothWays(t.source, t.file).readWriteCycles) skipped++;
    // Most tests have no read-to-write cycle: the shortcut is taken, and checked, on them.
    expect(skipped).toBeGreaterThan(tests.length / 2);
  }, 240_000);

  it('random tests with branches, pointers and read-modify-writes', () => {
    let fast = 0;
    let slow = 0;
    fc.assert(
      fc.property(programSpecArb({ maxThreads: 3, maxInstrs: 4 }), (spec) => {
        const flow = sameBothWays(printLitmus(buildTest(spec)), 'fuzz.litmus');
        if (flow.readWriteCycles) slow++;
        else fast++;
      }),
      { seed: 24, numRuns: 250 },
    );
    expect(fast).toBeGreaterThan(20);
    expect(slow).toBeGreaterThan(20);
  }, 240_000);

  it('a copy through a computed address reaches only the addresses values can hold', () => {
    const file = join(CORPORA[1], 'C-RomanPenyaev-list-rcu-rr.litmus');
    const src = readFileSync(file, 'utf8');
    // c is read through *r1 and copied back into c, but no value is ever &c: no copy cycle.
    expect(sameBothWays(src, file).symbolLocations.size).toBe(0);
    const coarse = prepareTest(src, file);
    if (!coarse.ok) throw new Error('prepare');
    expect(valueFlow(coarse.program, { everyAddress: true }).symbolLocations.has('c')).toBe(true);
    // Once some value is &c, the cycle is there.
    const withC = src.replace('int *c=w;', 'int *c=w;\n\tint *u=c;');
    expect(valueFlow(prepareOk(withC).program).symbolLocations.has('c')).toBe(true);
  });

  it('the crypto-control cycle (issue 24) keeps its looks', () => {
    const crypto = 'C LB+crypto\n{}\nP0(int *x, int *y) { int r1; r1 = 1; if (READ_ONCE(*x) == 0) r1 = 0; WRITE_ONCE(*y, r1); }\nP1(int *x, int *y) { int r2; r2 = READ_ONCE(*y); WRITE_ONCE(*x, r2); }\nexists (0:r1=1)\n';
    expect(sameBothWays(crypto, 'c.litmus').readWriteCycles).toBe(true);
    expect(decided(crypto, 'c.litmus', false).judgement.observation).toBe('Sometimes');
    // The read after the write: no cycle (store buffering with a branch), the looks are skipped.
    const sb = 'C SB+ctrl\n{}\nP0(int *x, int *y) { int r1; WRITE_ONCE(*y, 1); if (READ_ONCE(*x) == 0) r1 = 0; }\nP1(int *x, int *y) { int r2; WRITE_ONCE(*x, 1); r2 = READ_ONCE(*y); }\nexists (0:r1=1)\n';
    expect(sameBothWays(sb, 's.litmus').readWriteCycles).toBe(false);
  });
});

function prepareOk(src: string) {
  const p = prepareTest(src, 't.litmus');
  if (!p.ok) throw new Error(p.diagnostics[0].message);
  return p;
}
