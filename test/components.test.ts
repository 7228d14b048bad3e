// Independent components (src/explore/components.ts, product.ts): a test whose parts share no
// location is searched part by part and the executions combined. The oracles: the same test
// searched whole (the model with `decomposes` off), the operational SC engine, and the model
// itself judging every combined execution on the whole test's skeleton.
import { describe, expect, it } from 'vitest';
import { decideSource, prepareTest, type TestResult } from '../src/api.js';
import { formatValue } from '../src/execution/condition.js';
import type { ConsistentExecution } from '../src/explore/explorer.js';
import { splitProgram } from '../src/explore/components.js';
import { interleave } from '../src/interleave/interleave.js';
import { MODELS } from '../src/models/index.js';
import type { MemoryModel } from '../src/models/model.js';
import { kvmVcpusFamily } from '../bench/families.mjs';

const whole = (m: MemoryModel): MemoryModel => ({ ...m, decomposes: false });

function decide(source: string, model: MemoryModel, verdictOnly = false, onExecution?: (e: ConsistentExecution) => void): TestResult {
  const r = decideSource(source, 't.litmus', { model, verdictOnly, onExecution });
  if (!r.ok) throw new Error(r.diagnostics[0].message);
  return r.result;
}

function summary(r: TestResult) {
  const labels = r.program.observed.map((o) => o.label);
  const j = r.judgement;
  return {
    complete: j.complete,
    observation: j.observation,
    ok: j.ok,
    positive: j.positive,
    negative: j.negative,
    flags: j.flags,
    states: j.states.map((s) => `${s.values.map((v, i) => `${labels[i]}=${formatValue(v)}`).join(' ')} x${s.count}`),
  };
}

/** Variants of the family: the bug kept out, let in (a WRITE_ONCE entry), with a filter and a listed location. */
const variants = (n: number): Array<[string, string]> => {
  const base = kvmVcpusFamily(n);
  const broken = base.replace('smp_store_mb(vcpu0->mode, IN_GUEST_MODE);', 'WRITE_ONCE(vcpu0->mode, IN_GUEST_MODE);');
  const filtered = broken.replace('bad lost-request', `locations [vcpu1->mode]\nfilter (1:r0=1 \\/ ${n}:ipi_vcpu1=1)\nexists`);
  return [['as is', base], ['vcpu0 without its barrier', broken], ['filter and locations', filtered]];
};

describe('components: the KVM vCPU family', () => {
  it('splits into one component per vCPU, the ipi total a counter', () => {
    const p = prepareTest(kvmVcpusFamily(3), 't.litmus');
    if (!p.ok) throw new Error('prepare');
    const s = splitProgram(p.program)!;
    expect(s.components.map((c) => [...c.locations].sort())).toEqual([0, 1, 2].map((i) => [`vcpu${i}->mode`, `vcpu${i}->requests`, `vcpu${i}->state`, `vcpu${i}->wait`]));
    expect(s.blocksOf[3].map(([c]) => c)).toEqual([0, 1, 2]);
    expect(s.counters[3].has('ipi')).toBe(true);
  });

  it('a connected test is not split', () => {
    const p = prepareTest('C SB\n{}\nP0(int *x, int *y) { int r0; WRITE_ONCE(*x, 1); r0 = READ_ONCE(*y); }\nP1(int *x, int *y) { int r0; WRITE_ONCE(*y, 1); r0 = READ_ONCE(*x); }\nexists (0:r0=0 /\\ 1:r0=0)\n', 't.litmus');
    if (!p.ok) throw new Error('prepare');
    expect(splitProgram(p.program)).toBeNull();
  });

  for (const [name, model] of MODELS) {
    // The whole-test search reaches its path work limit at 4 vCPUs since the kick wakes through
    // a cmpxchg of the task state (kvm-block.ts): 2 and 3 are what the oracle can decide.
    it(`${name}: 2 and 3 vCPUs, listed and in verdict mode, agree with the whole-test search`, () => {
      for (let n = 2; n <= 3; n++) {
        for (const [what, src] of variants(n)) {
          const label = `${n} vCPUs, ${what}`;
          const split = decide(src, model);
          const ref = decide(src, whole(model));
          expect(summary(split), label).toEqual(summary(ref));
          expect(split.judgement.states.length, label).toBeGreaterThan(0);
          const v = decide(src, model, true);
          const vRef = decide(src, whole(model), true);
          expect([v.judgement.complete, v.judgement.observation, v.judgement.ok, v.judgement.positive > 0, v.judgement.negative > 0], label).toEqual([true, ref.judgement.observation, ref.judgement.ok, ref.judgement.positive > 0, ref.judgement.negative > 0]);
          expect(vRef.judgement.observation, label).toBe(ref.judgement.observation);
        }
      }
    }, 300_000);
  }

  it('the bug is reachable under LKMM without the barrier, never with it', () => {
    const [[, ok], [, broken]] = variants(3);
    expect(decide(ok, MODELS.get('lkmm')!).judgement.observation).toBe('Never');
    expect(decide(broken, MODELS.get('lkmm')!).judgement.observation).toBe('Sometimes');
  });

  it('every combined execution is consistent on the whole test, with one rf source per read', () => {
    const lkmm = MODELS.get('lkmm')!;
    const [, [, broken]] = variants(3);
    let seen = 0;
    decide(broken, lkmm, false, (e) => {
      const sk = e.skeleton;
      const verdict = lkmm.prepare(sk).consistency({ rf: e.rf, co: e.co });
      expect(verdict.consistent).toBe(true);
      for (let r = 0; r < sk.n; r++) if (sk.events[r].kind === 'R') expect(e.rf.pairs().filter(([, b]) => b === r).length).toBe(1);
      seen++;
    });
    expect(seen).toBe(decide(broken, whole(lkmm)).judgement.positive + decide(broken, whole(lkmm)).judgement.negative);
  });

  it('under SC the states are those of the interleaving engine', () => {
    for (let n = 2; n <= 3; n++) {
      for (const [what, src] of variants(n).slice(0, 2)) {
        const r = decide(src, MODELS.get('sc')!);
        const op = interleave(r.program, 'sc');
        expect(op.complete).toBe(true);
        const show = (v: Array<number | string>) => v.map(String).join(';');
        expect(op.states.map(show).sort(), `${n} ${what}`).toEqual(r.judgement.states.map((s) => show(s.values)).sort());
      }
    }
  }, 300_000);

  it('a limit hit in a component or in the combination leaves the result incomplete, never Never', () => {
    const src = kvmVcpusFamily(6);
    for (const [maxExecutions, verdictOnly] of [[3, false], [200, false], [3, true]] as const) {
      const r = decideSource(src, 't.litmus', { maxExecutions, verdictOnly });
      if (!r.ok) throw new Error(r.diagnostics[0].message);
      expect(r.result.judgement.complete, `${maxExecutions} ${verdictOnly}`).toBe(false);
      expect(r.result.stats.incomplete).toBe(`--max-executions ${maxExecutions} reached`);
    }
  });

  it('verdict mode explores each component once, however many searches it makes (never more work than listing)', () => {
    // Counted as the model sees it: one prepare() per candidate skeleton built.
    const counting = (): { model: MemoryModel; count: () => number } => {
      const lkmm = MODELS.get('lkmm')!;
      let n = 0;
      return { model: { ...lkmm, prepare: (sk) => (n++, lkmm.prepare(sk)) }, count: () => n };
    };
    for (const [name, src] of [...variants(3), ['4 vCPUs', kvmVcpusFamily(4)] as [string, string]]) {
      const listing = counting();
      const verdict = counting();
      decide(src, listing.model, false);
      const r = decide(src, verdict.model, true);
      expect(r.judgement.complete, name).toBe(true);
      expect(verdict.count(), name).toBeLessThanOrEqual(listing.count());
    }
  });

  it('8 vCPUs are decided (the whole-test search stops at its path work limit)', () => {
    const src = kvmVcpusFamily(8);
    const r = decide(src, MODELS.get('lkmm')!, true);
    expect([r.judgement.complete, r.judgement.observation]).toEqual([true, 'Never']);
  });
});
