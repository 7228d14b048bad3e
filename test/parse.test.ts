// The C litmus dialect as it appears in the kernel's and herdtools7's corpora.
import { describe, expect, it } from 'vitest';
import { parseLitmus } from '../src/parse/parser.js';
import type { LitmusTest, Stmt } from '../src/parse/ast.js';
import { decideSource } from '../src/api.js';

function parse(src: string): LitmusTest {
  const r = parseLitmus(src, 't.litmus');
  if (!r.ok) throw new Error(`${r.diagnostics[0].line}:${r.diagnostics[0].col}: ${r.diagnostics[0].message}`);
  return r.test;
}

function error(src: string): string {
  const r = parseLitmus(src, 't.litmus');
  if (r.ok) throw new Error('expected a parse error');
  const d = r.diagnostics[0];
  return `${d.line}:${d.col}: ${d.message}`;
}

/** Observation and states of a test, for checking that syntax variants mean the same thing. */
function outcome(src: string): string {
  const r = decideSource(src, 't.litmus');
  if (!r.ok) throw new Error(r.diagnostics[0].message);
  const j = r.result.judgement;
  return `${j.observation} ${j.positive}/${j.negative} ${j.states.map((s) => s.values.join(',')).join(' ')}`;
}

const SB = `C SB
{}
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }
exists (0:r0=0 /\\ 1:r0=0)`;

describe('headers and comments', () => {
  it('reads the name, a doc string, diy header lines and the Result comment', () => {
    const t = parse(`C SB+diy
"Fre PodWR Fre PodWR"
Cycle=Fre PodWR Fre PodWR
Relax=
Safe=Fre PodWR
Prefetch=0:x=F,0:y=T
Com=Fr Fr
Orig=Fre PodWR Fre PodWR
(*
 * Result: Sometimes DATARACE
 *)
{ x=0; y=0; }
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }
exists (0:r0=0 /\\ 1:r0=0)`);
    expect(t.name).toBe('SB+diy');
    expect(t.expected).toMatchObject({ verdict: 'Sometimes', dataRace: true });
    expect(t.threads).toHaveLength(2);
  });
  it('does not take READ_ONCE(*x) for an OCaml comment, but does outside code', () => {
    const t = parse(`C T
(* a comment with (* nesting *) inside *)
{}
P0(int *x) // Producer
{
	int r0; /* C comment */
	r0 = READ_ONCE(*x); // read
}
exists (0:r0=0) (* Bad outcome. *)`);
    const body = t.threads[0].body;
    expect(body[1]).toMatchObject({ k: 'expr', expr: { k: 'assign', value: { k: 'call', callee: 'READ_ONCE', args: [{ k: 'unary', op: '*' }] } } });
  });
});

describe('initial state', () => {
  it('accepts values, pointers, typed declarations, &x and register initialisers', () => {
    const t = parse(`C Init
{
	x=1; p=y;
	int *z=1; (* a pointer-typed location holding 1 *)
	int *w = &u;
	atomic_t a;
	volatile int v = -2;
	1:r1=x;
}
P0(int *x) { WRITE_ONCE(*x, 2); }
P1(int *x) { int r0; r0 = READ_ONCE(*r1); }
exists (1:r0=1)`);
    expect(t.init).toEqual([
      expect.objectContaining({ k: 'loc', name: 'x', value: { k: 'int', value: 1 } }),
      expect.objectContaining({ k: 'loc', name: 'p', value: { k: 'addr', name: 'y' } }),
      expect.objectContaining({ k: 'loc', name: 'z', type: { base: 'int', stars: 1 }, value: { k: 'int', value: 1 } }),
      expect.objectContaining({ k: 'loc', name: 'w', value: { k: 'addr', name: 'u' } }),
      expect.objectContaining({ k: 'loc', name: 'a', type: { base: 'atomic_t', stars: 0 }, value: null }),
      expect.objectContaining({ k: 'loc', name: 'v', value: { k: 'int', value: -2 } }),
      expect.objectContaining({ k: 'reg', thread: 1, reg: 'r1', value: { k: 'addr', name: 'x' } }),
    ]);
  });
  it('{} on one line and typed inits mean the same as none', () => {
    const typed = SB.replace('{}', '{ int x; int y; }');
    expect(outcome(typed)).toBe(outcome(SB));
  });
});

describe('threads', () => {
  it('accepts every parameter type of the corpora', () => {
    const t = parse(`C Params
{}
P0(int *a, volatile int *b, int **c, spinlock_t *d, atomic_t *e, intptr_t *f, unsigned long *g, struct kvm_vcpu *vcpu) { }
exists (a=0)`);
    expect(t.threads[0].params.map((p) => `${p.type.base}${'*'.repeat(p.type.stars)} ${p.name}`)).toEqual([
      'int* a', 'volatile int* b', 'int** c', 'spinlock_t* d', 'atomic_t* e', 'intptr_t* f', 'unsigned long* g', 'struct kvm_vcpu* vcpu',
    ]);
  });
  it('accepts declared and undeclared registers, declarations with initialisers and several declarators', () => {
    const t = parse(`C Regs
{}
P0(int *x, int *y) { int r0 = READ_ONCE(*x), r1; r2 = r0 + 1; r1 = (r2 != 0); WRITE_ONCE(*y, r1); }
exists (y=1)`);
    const kinds = t.threads[0].body.map((s: Stmt) => s.k);
    expect(kinds).toEqual(['decl', 'decl', 'expr', 'expr', 'expr']);
  });
  it('parses if/else with and without braces, casts, &x, *p and **p', () => {
    const t = parse(`C Ctrl
{ p=x; q=p; }
P0(int *x, int **p, int ***q) {
	int r0; int r1; int *r2;
	r0 = READ_ONCE(**q);
	if (r0 == 1) WRITE_ONCE(*x, 2); else { r1 = (int)r0; }
	if (r0 >= 0 && r0 < 5) { r2 = &x; } 
	r1 = *r2;
}
exists (0:r1=0)`);
    const ifs = t.threads[0].body.filter((s) => s.k === 'if');
    expect(ifs).toHaveLength(2);
    expect(ifs[0]).toMatchObject({ then: [{ k: 'expr' }], else: [{ k: 'block', body: [{ k: 'expr', expr: { value: { k: 'cast' } } }] }] });
  });
  it('honours C operator precedence', () => {
    const r = decideSource(`C Prec
{}
P0(int *x) { int r0; r0 = 1 + 2 * 3 - (8 >> 1) == 3 && 5 % 3 == 2; WRITE_ONCE(*x, r0); }
exists (x=1)`, 'p.litmus');
    expect(r.ok && r.result.judgement.observation).toBe('Always');
  });
});

describe('final section', () => {
  it('reads locations, filter and each quantifier', () => {
    const t = parse(SB.replace('exists', 'locations [x; 0:r0;]\nfilter (0:r0=0)\n~exists'));
    expect(t.locations).toHaveLength(2);
    expect(t.filter).not.toBeNull();
    expect(t.condition.quantifier).toBe('~exists');
    expect(parse(SB.replace('exists', 'forall')).condition.quantifier).toBe('forall');
  });
  it('exists without parentheses, split across lines, means the same', () => {
    expect(outcome(SB.replace('exists (0:r0=0 /\\ 1:r0=0)', 'exists\n 0:r0=0 /\\\n 1:r0=0'))).toBe(outcome(SB));
  });
  it('reads ~, not, \\/, x=v, [x]=v, P:r=x (an address)', () => {
    const t = parse(`C Cond
{ p=y; }
P0(int **p, int *x) { int *r0; r0 = READ_ONCE(*p); }
exists (~(0:r0=x) \\/ not ([p]=y /\\ x=0))`);
    expect(t.condition.prop).toMatchObject({ k: 'or', left: { k: 'not' }, right: { k: 'not', arg: { k: 'and' } } });
  });
});

describe('errors carry line, column and what was expected', () => {
  it.each([
    ['', '1:1: empty file: expected a litmus test starting with "C <name>"'],
    ['X86 SB\n{}\n', "1:1: unsupported architecture 'X86': only C litmus tests are supported"],
    ['C SB\n', "2:1: expected the initial-state block '{', found end of file"],
    ['C SB\n{ x=0 y=1; }', "2:7: expected ';' or '}' in the initial state, found 'y'"],
    ['C SB\n{}\nexists (x=0)', "3:1: expected a thread (P0(...) { ... }), found 'exists'"],
    ['C SB\n{}\nP0(int *x) {\n  WRITE_ONCE(*x, 1)\n}\nexists (x=1)', "4:20: expected ';' after the statement, found '}' on line 5"],
    ['C SB\n{}\nP0(int *x) {\n  WRITE_ONCE(*x, 1);\n', "5:1: expected '}' to close the block, found end of file"],
    ['C SB\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\n', '4:1: expected a final condition (exists, ~exists or forall)'],
    ['C SB\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1', "4:12: expected ')' or a connective (/\\, \\/), found end of file"],
    ['C SB\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (0:=1)', "4:11: expected a register name, found '='"],
    ['C SB\n{}\nP0(int *x) { while (1) { } }\nexists (x=1)', null],
    ['C SB\n{}\nP0(int *x) { r0 = READ_ONCE(*x) @ 1; }\nexists (x=1)', "3:33: unexpected character '@'"],
    ['C SB\n(* never closed\n{}', '2:1: unterminated (* comment'],
  ])('%j', (src, expected) => {
    if (expected === null) {
      // Loops parse (so the lowering can name them) and are rejected later.
      const r = decideSource(src, 't.litmus');
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.diagnostics[0]).toMatchObject({ line: 3, col: 14 });
      return;
    }
    expect(error(src)).toBe(expected);
  });
});

describe('forms the kernel corpus (paulmckrcu/litmus) uses', () => {
  it('names a test `C foo.litmus` as foo, as herd7 does', () => {
    expect(parse(SB.replace('C SB', 'C SB.litmus')).name).toBe('SB');
  });

  it('reads atomic_t z = ATOMIC_INIT(v) in the initial state as the value v', () => {
    const t = parse(SB.replace('{}', '{ atomic_t z = ATOMIC_INIT(3); int w = ATOMIC_INIT(-1); }'));
    expect(t.init).toMatchObject([
      { k: 'loc', name: 'z', value: { k: 'int', value: 3 } },
      { k: 'loc', name: 'w', value: { k: 'int', value: -1 } },
    ]);
  });

  it('compares two registers (0:r0=1:r0), and a location with another location ([x]=[y])', () => {
    // SB without fences: r0 pairs (0,0) (0,1) (1,0) (1,1) are all reachable; two have equal registers.
    expect(outcome(SB.replace('exists (0:r0=0 /\\ 1:r0=0)', 'exists (0:r0=1:r0)'))).toBe('Sometimes 2/2 0,0 0,1 1,0 1,1');
    const t = parse(SB.replace('exists (0:r0=0 /\\ 1:r0=0)', 'exists (x=[y] /\\ 0:r0!=1:r0)'));
    expect(t.condition.prop).toMatchObject({ k: 'and', left: { rhs: { k: 'obs', obs: { k: 'mem', name: 'y' } } }, right: { negated: true, rhs: { k: 'obs', obs: { k: 'reg', thread: 1, reg: 'r0' } } } });
    // x and y both end at 1: the final values are equal in every execution.
    expect(outcome(SB.replace('exists (0:r0=0 /\\ 1:r0=0)', 'forall (x=[y])'))).toMatch(/^Always 4\/0/);
    // Without brackets, y is y's address, which x never holds.
    expect(outcome(SB.replace('exists (0:r0=0 /\\ 1:r0=0)', 'exists (x=y)'))).toMatch(/^Never 0\/4/);
  });

  it('lists a register the thread never declares (locations [0:r9]) as 0, with a warning; a condition naming it is still an error', () => {
    const r = decideSource(SB.replace('exists', 'locations [0:r9]\nexists'), 't.litmus');
    if (!r.ok) throw new Error(r.diagnostics[0].message);
    expect(r.result.program.warnings.map((w) => w.message)).toEqual(['register r9 is not defined in P0: listed as 0, as herd7 does']);
    const at = r.result.program.observed.findIndex((o) => o.label === '0:r9');
    expect(at).toBeGreaterThanOrEqual(0);
    expect(r.result.judgement.states.every((s) => s.values[at] === 0)).toBe(true);
    const bad = decideSource(SB.replace('0:r0=0 /\\', '0:r9=0 /\\'), 't.litmus');
    expect(bad.ok).toBe(false);
  });

  it('dereferences an address plus zero (y + (r1 ^ r1)) as that address, with the address dependency', () => {
    const src = `C addr-plus-zero
{}
P0(int *x, int *y) { int r1; int r2; int *r4; r1 = READ_ONCE(*x); r4 = y + (r1 ^ r1); r2 = READ_ONCE(*r4); }
P1(int *x, int *y) { WRITE_ONCE(*y, 1); smp_wmb(); WRITE_ONCE(*x, 1); }
exists (0:r1=1 /\\ 0:r2=0)`;
    // Message passing with an address dependency on the reader: forbidden, as MP+wmb+addr is.
    expect(outcome(src)).toMatch(/^Never 0\/3/);
  });
});
