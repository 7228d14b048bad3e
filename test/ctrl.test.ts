// Control dependencies end where their `if` ends. In herd7's C semantics a read that feeds an
// if's condition orders (ctrl) only the events inside that if's branches: code after the join is
// not control-dependent on it (a compiler may hoist it above the branch). Each case below lists
// the ctrl edges derived by hand from that rule, as "read line -> event line"; the corpus pair at
// the end is herd7's own verdict on the same rule.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideSource } from '../src/api.js';
import { parseHerdOutput, SHARED } from './helpers/corpus.js';

/** Every ctrl edge of thread 0 over all consistent executions, as "line->line". */
function ctrlEdges(body: string, opts: { unroll?: number; params?: string; other?: string } = {}): string[] {
  const params = opts.params ?? 'int *x, int *y, int *z, int *w, int *v';
  const source = `C ctrl\n{}\nP0(${params})\n{\n${body}\n}\n${opts.other ?? `P1(${params})\n{\n\tWRITE_ONCE(*x, 1);\n\tWRITE_ONCE(*y, 1);\n}\n`}exists (0:r0=1)\n`;
  const edges = new Set<string>();
  const res = decideSource(source, 'ctrl.litmus', {
    lower: { unroll: opts.unroll },
    onExecution: (e) => {
      const evs = e.skeleton.events;
      for (const [a, b] of e.skeleton.ctrl.pairs()) {
        if (evs[a].thread !== 0) continue;
        edges.add(`${evs[a].origin!.pos.line}->${evs[b].origin!.pos.line}`);
      }
    },
  });
  if (!res.ok) throw new Error(res.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n'));
  return [...edges].sort();
}

// Line numbers: the thread body starts on line 5 of the generated test.
describe('control dependencies end where the if ends', () => {
  it('orders the then-branch, not the code after the join', () => {
    const edges = ctrlEdges(['\tint r0;', '\tr0 = READ_ONCE(*x);', '\tif (r0 == 1) {', '\t\tWRITE_ONCE(*y, 1);', '\t}', '\tWRITE_ONCE(*z, 1);'].join('\n'));
    // line 6 reads x; line 8 (inside then) depends on it; line 10 (after the join) does not.
    expect(edges).toEqual(['6->8']);
  });

  it('orders the else-branch, not the code after the join', () => {
    const edges = ctrlEdges(['\tint r0;', '\tr0 = READ_ONCE(*x);', '\tif (r0 == 1) {', '\t} else {', '\t\tWRITE_ONCE(*y, 1);', '\t}', '\tWRITE_ONCE(*z, 1);'].join('\n'));
    expect(edges).toEqual(['6->9']);
  });

  it('nested ifs: the inner read orders only the inner branch; the outer read orders both levels', () => {
    const edges = ctrlEdges(
      [
        '\tint r0;', //                     5
        '\tint r1;', //                     6
        '\tr0 = READ_ONCE(*x);', //         7
        '\tif (r0 == 1) {', //              8
        '\t\tr1 = READ_ONCE(*y);', //       9
        '\t\tif (r1 == 1) {', //            10
        '\t\t\tWRITE_ONCE(*z, 1);', //      11
        '\t\t}', //                         12
        '\t\tWRITE_ONCE(*w, 1);', //        13
        '\t}', //                           14
        '\tWRITE_ONCE(*v, 1);', //          15
      ].join('\n'),
    );
    // 7 -> 9, 11, 13 (inside the outer if); 9 -> 11 only; nothing -> 15.
    expect(edges).toEqual(['7->11', '7->13', '7->9', '9->11']);
  });

  it('a dependency that only passes through a register still ends at the join', () => {
    // The corpus's -Ok shape: r4 = (r1 == r4); if (r4) { ... } WRITE_ONCE after the if.
    const edges = ctrlEdges(['\tint r0;', '\tint r4 = 1;', '\tr0 = READ_ONCE(*x);', '\tr4 = (r0 == r4);', '\tif (r4) {', '\t\tr4 = READ_ONCE(*y);', '\t}', '\tWRITE_ONCE(*z, 1);'].join('\n'));
    expect(edges).toEqual(['7->10']);
  });

  it("kvm_check_request: its clear_bit is ordered by its test_bit, the code after it is not", () => {
    const params = 'struct kvm_vcpu *vcpu, int *z';
    const edges = ctrlEdges(['\tint r0;', '\tr0 = kvm_check_request(KVM_REQ_TLB_FLUSH, vcpu);', '\tWRITE_ONCE(*z, 1);'].join('\n'), {
      params,
      other: `P1(${params})\n{\n\tkvm_make_request(KVM_REQ_TLB_FLUSH, vcpu);\n}\n`,
    });
    // Line 6 holds the helper: its read and its clear_bit (inside the helper's if); line 7's write is not ordered.
    expect(edges).toEqual(['6->6']);
  });

  it("kvm_vcpu_kick: its wake-up decision orders its IPI half, and nothing after the helper", () => {
    const params = 'struct kvm_vcpu *vcpu, int *z';
    const edges = ctrlEdges(['\tint r0;', '\tkvm_vcpu_kick(vcpu);', '\tWRITE_ONCE(*z, 1);', '\tr0 = READ_ONCE(*z);'].join('\n'), {
      params,
      other: `P1(${params})\n{\n\tWRITE_ONCE(vcpu->mode, IN_GUEST_MODE);\n}\n`,
    });
    // The kernel's kick is `if (kvm_vcpu_wake_up(vcpu)) return;` then the IPI half: the
    // rcuwait read (line 6) controls the cmpxchg of kvm_vcpu_exiting_guest_mode (line 6 too).
    // The IPI itself is a register update, not an event; the write and read after the helper
    // (lines 7 and 8) are ordered by nothing.
    expect(edges).toEqual(['6->6']);
  });

  it('an unrolled loop orders its body, not the code after the loop', () => {
    // --unroll 2 makes `while (READ_ONCE(*x) == 0) WRITE_ONCE(*y, 1);` nested ifs: each
    // iteration's write depends on every condition read so far; the write after the loop on none.
    const edges = ctrlEdges(['\tint r0;', '\twhile (READ_ONCE(*x) == 0) {', '\t\tWRITE_ONCE(*y, 1);', '\t}', '\tWRITE_ONCE(*z, 1);', '\tr0 = READ_ONCE(*z);'].join('\n'), { unroll: 2 });
    expect(edges).toEqual(['6->6', '6->7']);
    expect(edges.some((e) => e.endsWith('->9'))).toBe(false);
  });
});

describe('herd7 on the same rule (corpus pair)', () => {
  // P2 reads x2, then `if (r4) {...}`. In -Oc the write to u0 is inside the if (ordered: Never);
  // in -Ok it follows the if (unordered: Sometimes).
  for (const [name, verdict] of [
    ['C-LB-LRW+R-Dd+R-Oc', 'Never'],
    ['C-LB-LRW+R-Dd+R-Ok', 'Sometimes'],
  ] as const) {
    it(`${name}: ${verdict}, as herd7 says`, () => {
      const file = join(SHARED, 'corpus/paulmck/auto', `${name}.litmus`);
      const expected = parseHerdOutput(readFileSync(file + '.expected', 'utf8'));
      expect(expected.observation).toBe(verdict);
      const res = decideSource(readFileSync(file, 'utf8'), file);
      if (!res.ok) throw new Error(res.diagnostics[0].message);
      expect(res.result.judgement.observation).toBe(verdict);
      expect([res.result.judgement.positive, res.result.judgement.negative]).toEqual([expected.positive, expected.negative]);
    });
  }
});
