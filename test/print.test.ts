// The pretty-printer: print then parse must give back the AST (positions aside), on every corpus
// file and on random ASTs; and a few layouts that are easy to get wrong, checked by hand.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseLitmus } from '../src/parse/parser.js';
import { printExpr, printLitmus } from '../src/parse/print.js';
import type { Expr, LitmusTest } from '../src/parse/ast.js';
import { canonicalAst, litmusAstArb } from '../src/fuzz/ast-gen.js';
import { corpusTests } from './helpers/corpus.js';

function parse(text: string): LitmusTest {
  const r = parseLitmus(text, 't.litmus');
  if (!r.ok) throw new Error(`${r.diagnostics[0].line}:${r.diagnostics[0].col}: ${r.diagnostics[0].message}\n${text}`);
  return r.test;
}

/** The expression of `r0 = <e>;` in a one-thread test. */
function exprOf(source: string): Expr {
  const t = parse(`C t\n{}\nP0(int *x) { r0 = ${source}; }\nexists (0:r0=0)\n`);
  const s = t.threads[0].body[0];
  if (s.k !== 'expr' || s.expr.k !== 'assign') throw new Error('not an assignment');
  return s.expr.value;
}

describe('printLitmus', () => {
  const corpus = corpusTests();
  it('round-trips all 114 corpus tests', () => {
    expect(corpus.length).toBe(114);
    for (const t of corpus) {
      const first = parse(t.source);
      const again = parse(printLitmus(first));
      expect(canonicalAst(again), t.file).toBe(canonicalAst(first));
    }
  });

  it('keeps the grouping that precedence and associativity need', () => {
    for (const src of ['a - (b - c)', '(a - b) - c', '(a | b) & c', '-(-a)', '*(p + 1)', '&*p', '(a ? b : c) ? d : e', 'a ? b : (c ? d : e)', '(int *)(a + b)', '(*p).mode', '!(a == b)', 'a << (b + c)']) {
      const e = exprOf(src);
      expect(canonicalAst(exprOf(printExpr(e))), src).toBe(canonicalAst(e));
    }
    // Printed by hand, so a printer that adds or drops parentheses everywhere is caught too.
    expect(printExpr(exprOf('a - (b - c)'))).toBe('a - (b - c)');
    expect(printExpr(exprOf('(a - b) - c'))).toBe('a - b - c');
    expect(printExpr(exprOf('-(-a)'))).toBe('- -a');
    expect(printExpr(exprOf('&(&a)'))).toBe('& &a');
  });

  it('keeps an else with the if it belongs to', () => {
    const src = `C t\n{}\nP0(int *x) { int r0; if (r0) { if (r0 == 1) WRITE_ONCE(*x, 1); } else WRITE_ONCE(*x, 2); }\nexists (x=1)\n`;
    const t = parse(src);
    expect(canonicalAst(parse(printLitmus(t)))).toBe(canonicalAst(t));
  });

  it('prints conditions with herd7 syntax that parses back', () => {
    const src = `C t\n(* Result: Sometimes DATARACE *)\n{ x=1; int *p=&x; 1:r1=x; }\nP0(int *x) { }\nP1(int **p) { }\nlocations [x; 1:r1]\nfilter (not (x=2))\nexists (0:r0=1 \\/ (x=1 /\\ ~(1:r1=x \\/ x!=-1)))\n`;
    const t = parse(src);
    const printed = printLitmus(t);
    expect(canonicalAst(parse(printed))).toBe(canonicalAst(t));
    expect(printed).toContain('(* Result: Sometimes DATARACE *)');
  });

  it('round-trips random ASTs (fixed seed)', () => {
    fc.assert(
      fc.property(litmusAstArb, (ast) => {
        expect(canonicalAst(parse(printLitmus(ast)))).toBe(canonicalAst(ast));
      }),
      { seed: 20240601, numRuns: 1500 },
    );
  });
});
