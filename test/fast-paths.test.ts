// The shortcuts taken for speed (docs/performance.md, "Front end"): each must mean exactly what
// the slow way meant. Oracles: BigInt for literals, a naive edit distance for `Result:` keys.
import { describe, expect, it } from 'vitest';
import { Lexer } from '../src/parse/lexer.js';
import { readExpectations } from '../src/parse/expectations.js';

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
