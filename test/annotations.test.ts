// The annotation table (src/lower/annotations.ts) is the one meaning of each fence: these pin
// smp_mb__after_srcu_read_unlock(), whose meaning the TSO model and the interleaving engine once
// wrote out apart (the interleaving engine made it a no-op, the TSO model a full fence even with
// no srcu_read_unlock() before it), against LKMM's linux-kernel.cat, the oracle for what it means.
import { describe, expect, it } from 'vitest';
import { decideSource } from '../src/api.js';
import { interleave } from '../src/interleave/interleave.js';
import { ACCESSES, FENCES, annOf, isFenceAnn } from '../src/lower/annotations.js';
import { LKMM_PRIMITIVES } from '../src/lower/primitives.js';
import type { Instr } from '../src/lower/program.js';

/** Store buffering: P0 runs `before`, writes x, runs `between`, reads y; P1 writes y, smp_mb(), reads x. */
const SB = (between: string, before = '') => `C SB
{}
P0(int *x, int *y, struct srcu_struct *s) { int r0; int r1; ${before} WRITE_ONCE(*x, 1); ${between} r0 = READ_ONCE(*y); }
P1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); smp_mb(); r0 = READ_ONCE(*x); }
exists (0:r0=0 /\\ 1:r0=0)
`;

const UNLOCK_THEN_FENCE = 'r1 = srcu_read_lock(s); srcu_read_unlock(s, r1); smp_mb__after_srcu_read_unlock();';
const LONE_FENCE = 'smp_mb__after_srcu_read_unlock();';
const UNLOCK = 'r1 = srcu_read_lock(s); srcu_read_unlock(s, r1);';

/** Whether 0:r0=0 /\ 1:r0=0 is reachable, per axiomatic model and per interleaving engine. */
function reachable(source: string): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const model of ['lkmm', 'sc', 'tso'] as const) {
    const r = decideSource(source, 'sb.litmus', { model });
    if (!r.ok) throw new Error(r.diagnostics[0].message);
    out[model] = r.result.judgement.states.some((s) => s.satisfies);
    if (model !== 'lkmm') {
      const p = r.result.program;
      const bad = p.observed.map((o) => o.label);
      const op = interleave(p, model);
      expect(op.complete).toBe(true);
      out[`${model}-interleave`] = op.states.some((s) => bad.every((l, i) => !l.endsWith(':r0') || s[i] === 0));
    }
  }
  return out;
}

describe('smp_mb__after_srcu_read_unlock', () => {
  it('after srcu_read_unlock() it is a full fence: SB is Never in every model and both engines', () => {
    expect(reachable(SB(UNLOCK_THEN_FENCE))).toEqual({ lkmm: false, sc: false, tso: false, 'sc-interleave': false, 'tso-interleave': false });
  });

  it('alone it orders nothing (LKMM), so TSO and the interleaving engine reach the store-buffering outcome', () => {
    expect(reachable(SB(LONE_FENCE))).toEqual({ lkmm: true, sc: false, tso: true, 'sc-interleave': false, 'tso-interleave': true });
  });

  it('a write between the unlock and the fence is not ordered before later reads', () => {
    expect(reachable(SB(LONE_FENCE, UNLOCK))).toEqual({ lkmm: true, sc: false, tso: true, 'sc-interleave': false, 'tso-interleave': true });
  });
});

describe('the annotation table', () => {
  it('gives every annotation a primitive emits a meaning, and every table entry a primitive', () => {
    const seen = new Set<string>();
    const collect = (is: Instr[]) => is.forEach((i) => ('ann' in i ? seen.add(i.ann) : undefined));
    for (const [name, spec] of LKMM_PRIMITIVES) {
      const out: Instr[] = [];
      let t = 0;
      spec.expand(
        { emit: (i) => out.push(i), temp: () => `%t${t++}`, origin: () => ({ primitive: name, site: 0, pos: { line: 1, col: 1 } }), declareReg: () => {} },
        spec.args.map((k) => (k === 'val' ? { k: 'const', v: 0 } : { k: 'const', v: 'x' })),
        null,
      );
      collect(out);
      if (out.some((i) => i.op === 'srcu-sync')) seen.add('sync-srcu');
      seen.add(''); // a plain C access: lowering's, not a primitive's
    }
    const table = new Set<string>([...Object.keys(FENCES), ...Object.keys(ACCESSES)]);
    expect([...seen].filter((a) => !table.has(a))).toEqual([]);
    expect([...table].filter((a) => !seen.has(a))).toEqual([]);
  });

  it("keeps a user's annotation apart from the known ones", () => {
    expect(isFenceAnn(annOf('MB'))).toBe(true);
    expect(isFenceAnn(annOf('my-fence'))).toBe(false);
    expect(FENCES[annOf('wmb') as 'wmb'].call).toBe('smp_wmb');
  });
});
