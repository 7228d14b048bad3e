// SC and x86-TSO on the classic shapes, with expectations derived by hand from each model's
// definition (SC: one interleaving; TSO: only a write followed by a read may be reordered).
import { describe, expect, it } from 'vitest';
import { decideSource } from '../src/api.js';

function verdict(src: string, model: string): { observation: string; states: number } {
  const r = decideSource(src, `${model}.litmus`, { model });
  if (!r.ok) throw new Error(r.diagnostics[0].message);
  return { observation: r.result.judgement.observation, states: r.result.judgement.states.length };
}

const SB = (fence: string) => `C SB
{}
P0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); ${fence} r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); ${fence} r0 = READ_ONCE(*x); }
exists (0:r0=0 /\\ 1:r0=0)`;

const MP = `C MP
{}
P0(int *x, int *y) { WRITE_ONCE(*x, 1); WRITE_ONCE(*y, 1); }
P1(int *x, int *y) { int r0; int r1; r0 = READ_ONCE(*y); r1 = READ_ONCE(*x); }
exists (1:r0=1 /\\ 1:r1=0)`;

const LB = `C LB
{}
P0(int *x, int *y) { int r0; r0 = READ_ONCE(*x); WRITE_ONCE(*y, 1); }
P1(int *x, int *y) { int r0; r0 = READ_ONCE(*y); WRITE_ONCE(*x, 1); }
exists (0:r0=1 /\\ 1:r0=1)`;

const IRIW = `C IRIW
{}
P0(int *x) { WRITE_ONCE(*x, 1); }
P1(int *x, int *y) { int r0; int r1; r0 = READ_ONCE(*x); r1 = READ_ONCE(*y); }
P2(int *y) { WRITE_ONCE(*y, 1); }
P3(int *x, int *y) { int r0; int r1; r0 = READ_ONCE(*y); r1 = READ_ONCE(*x); }
exists (1:r0=1 /\\ 1:r1=0 /\\ 3:r0=1 /\\ 3:r1=0)`;

const TWO_PLUS_TWO_W = `C 2+2W
{}
P0(int *x, int *y) { WRITE_ONCE(*x, 1); WRITE_ONCE(*y, 2); }
P1(int *x, int *y) { WRITE_ONCE(*y, 1); WRITE_ONCE(*x, 2); }
exists (x=1 /\\ y=1)`;

const R = (fence: string) => `C R
{}
P0(int *x, int *y) { WRITE_ONCE(*x, 1); WRITE_ONCE(*y, 1); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 2); ${fence} r0 = READ_ONCE(*x); }
exists (y=2 /\\ 1:r0=0)`;

const S = `C S
{}
P0(int *x, int *y) { WRITE_ONCE(*x, 2); WRITE_ONCE(*y, 1); }
P1(int *x, int *y) { int r0; r0 = READ_ONCE(*y); WRITE_ONCE(*x, 1); }
exists (x=2 /\\ 1:r0=1)`;

const WRC = `C WRC
{}
P0(int *x) { WRITE_ONCE(*x, 1); }
P1(int *x, int *y) { int r0; r0 = READ_ONCE(*x); WRITE_ONCE(*y, 1); }
P2(int *x, int *y) { int r1; int r2; r1 = READ_ONCE(*y); r2 = READ_ONCE(*x); }
exists (1:r0=1 /\\ 2:r1=1 /\\ 2:r2=0)`;

const SB_XCHG = `C SB+xchg
{}
P0(int *x, int *y) { int r0; int r9; r9 = xchg_relaxed(x, 1); r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; int r9; r9 = xchg_relaxed(y, 1); r0 = READ_ONCE(*x); }
exists (0:r0=0 /\\ 1:r0=0)`;

describe('SC on the classic shapes', () => {
  // Under SC every one of these bad outcomes needs a cycle in po | rf | co | fr.
  it.each([
    ['SB', SB('')], ['MP', MP], ['LB', LB], ['IRIW', IRIW], ['2+2W', TWO_PLUS_TWO_W], ['R', R('')], ['S', S], ['WRC', WRC],
  ])('%s is Never', (_name, src) => {
    expect(verdict(src, 'sc').observation).toBe('Never');
  });
  it('SB has exactly the three interleaving outcomes', () => {
    expect(verdict(SB(''), 'sc').states).toBe(3);
  });
});

describe('x86-TSO on the classic shapes', () => {
  it('SB is Sometimes: the store buffer lets both reads pass the writes', () => {
    expect(verdict(SB(''), 'tso')).toEqual({ observation: 'Sometimes', states: 4 });
  });
  it('SB with smp_mb (MFENCE) is Never', () => {
    expect(verdict(SB('smp_mb();'), 'tso').observation).toBe('Never');
  });
  it('SB with smp_wmb or smp_rmb is still Sometimes: they emit no fence on x86', () => {
    expect(verdict(SB('smp_wmb();'), 'tso').observation).toBe('Sometimes');
    expect(verdict(SB('smp_rmb();'), 'tso').observation).toBe('Sometimes');
  });
  it('SB with locked RMWs (xchg_relaxed is LOCK XCHG) is Never', () => {
    expect(verdict(SB_XCHG, 'tso').observation).toBe('Never');
  });
  it('R is Sometimes (W->R relaxed in P1), Never with smp_mb', () => {
    expect(verdict(R(''), 'tso').observation).toBe('Sometimes');
    expect(verdict(R('smp_mb();'), 'tso').observation).toBe('Never');
  });
  it.each([
    ['MP', MP], ['LB', LB], ['IRIW', IRIW], ['2+2W', TWO_PLUS_TWO_W], ['S', S], ['WRC', WRC],
  ])('%s is Never: W->W, R->R and R->W stay ordered and stores are multi-copy atomic', (_n, src) => {
    expect(verdict(src, 'tso').observation).toBe('Never');
  });
});

describe('LKMM on the same shapes (cross-check against the kernel documentation)', () => {
  it.each([
    ['SB', SB(''), 'Sometimes'], ['SB+mb', SB('smp_mb();'), 'Never'], ['MP', MP, 'Sometimes'], ['LB', LB, 'Sometimes'],
    ['IRIW', IRIW, 'Sometimes'], ['2+2W', TWO_PLUS_TWO_W, 'Sometimes'], ['R', R(''), 'Sometimes'], ['S', S, 'Sometimes'], ['WRC', WRC, 'Sometimes'],
  ])('%s', (_n, src, expected) => {
    expect(verdict(src, 'lkmm').observation).toBe(expected);
  });
});

describe('LKMM on the RCU cycles of the kernel documentation (litmus-tests.txt, "Performance")', () => {
  // The RCU guarantee (explanation.txt): a cycle of read-side critical sections and grace
  // periods is forbidden exactly when it has at least as many grace periods as critical
  // sections. The 10-process test of the documentation (R R G G G G R R R R) is Sometimes.
  it.each([2, 3, 4, 5, 6, 7, 8, 9, 10])('%i processes', async (n) => {
    const { rcuFamily } = await import('../bench/families.mjs');
    const pattern = 'RRGGGGRRRRGGGGRRRRRR'.slice(0, n);
    const gps = [...pattern].filter((c) => c === 'G').length;
    const expected = gps >= n - gps ? 'Never' : 'Sometimes';
    expect(verdict(rcuFamily(n), 'lkmm').observation).toBe(expected);
  });
});
