// The condition is lowered once: names become values when the test is lowered, and one evaluator
// serves the judge, the explorer's filter pruning and the interleaver.
import { describe, expect, it } from 'vitest';
import { prepareTest } from '../src/api.js';
import { holds, holdsPartially } from '../src/execution/condition.js';
import type { CondProp, Program } from '../src/lower/program.js';

function lowered(src: string): Program {
  const p = prepareTest(src, 't.litmus');
  if (!p.ok) throw new Error(p.diagnostics[0].message);
  return p.program;
}

const TEST = `C t
{ x=0; y=0; 0:r2=y; }
P0(int *x, int *y, struct kvm_vcpu *vcpu) { int r1; int r2; r1 = READ_ONCE(*x); WRITE_ONCE(vcpu->mode, IN_GUEST_MODE); }
P1(int *x) { int r4; r4 = READ_ONCE(*x); WRITE_ONCE(*x, 1); }
exists (0:r1=1:r4 /\\ 0:r2=y /\\ [vcpu->mode]=IN_GUEST_MODE /\\ 0:r1=0)`;

function atoms(p: CondProp): Array<Extract<CondProp, { k: 'eq' }>> {
  return p.k === 'eq' ? [p] : p.k === 'not' ? atoms(p.arg) : p.k === 'and' || p.k === 'or' ? [...atoms(p.left), ...atoms(p.right)] : [];
}

describe('the lowered condition', () => {
  it('resolves locations to addresses and constants to numbers, once, and keeps register-to-register atoms', () => {
    const program = lowered(TEST);
    const rhs = atoms(program.condition).map((a) => a.rhs);
    expect(rhs[0]).toMatchObject({ k: 'obs', obs: { k: 'reg', thread: 1, reg: 'r4' } });
    expect(rhs[1]).toEqual({ k: 'value', value: 'y', constant: null });
    expect(rhs[2]).toEqual({ k: 'value', value: program.constants.get('IN_GUEST_MODE'), constant: 'IN_GUEST_MODE' });
    expect(typeof program.constants.get('IN_GUEST_MODE')).toBe('number');
    expect(rhs[3]).toEqual({ k: 'value', value: 0, constant: null });
  });

  it('evaluates on a final state without the program', () => {
    const program = lowered(TEST);
    const mode = program.constants.get('IN_GUEST_MODE')!;
    const regs = [new Map<string, number | string>([['r1', 0], ['r2', 'y']]), new Map<string, number | string>([['r4', 0]])];
    expect(holds(program.condition, { regs, memory: new Map([['vcpu->mode', mode]]) })).toBe(true);
    expect(holds(program.condition, { regs, memory: new Map([['vcpu->mode', mode + 1]]) })).toBe(false);
    // Registers alone do not decide it (memory is unknown); a register atom that fails does.
    const onRegisters = (rs: ReadonlyArray<ReadonlyMap<string, number | string>>) => holdsPartially(program.condition, (o) => (o.k === 'reg' ? (rs[o.thread]?.get(o.reg) ?? 0) : null));
    expect(onRegisters(regs)).toBe(null);
    expect(onRegisters([regs[0], new Map([['r4', 1]])])).toBe(false);
    // Once memory is known too, it is plain evaluation.
    expect(holdsPartially(program.condition, (o) => (o.k === 'reg' ? (regs[o.thread]?.get(o.reg) ?? 0) : o.name === 'vcpu->mode' ? mode : 0))).toBe(true);
  });
});
