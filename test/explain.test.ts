// `explain`: witnesses for reachable bad outcomes told in source terms, the check that rules a
// Never out, and the DOT and CLI layers. Expected line numbers are found in the test files'
// text, not copied from a run.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { explainCommand } from '../src/cli/explain.js';
import { toDot } from '../src/explain/dot.js';
import { explainSource, type Explanation } from '../src/explain/explain.js';
import { formatExplanation } from '../src/explain/text.js';
import { corpusTests } from './helpers/corpus.js';

const KVM = resolve(__dirname, '../litmus/kvm');
const read = (name: string) => readFileSync(join(KVM, name), 'utf8');

/** The 1-based line of the first source line containing `text` (after `from`). */
function lineOf(source: string, text: string, from = 0): number {
  const lines = source.split('\n');
  for (let i = from; i < lines.length; i++) if (lines[i].includes(text)) return i + 1;
  throw new Error(`no line contains ${text}`);
}

function explain(name: string, model = 'lkmm'): { x: Explanation; text: string; source: string } {
  const source = read(name);
  const res = explainSource(source, join(KVM, name), { model });
  if (!res.ok) throw new Error(res.diagnostics[0].message);
  return { x: res.explanation, text: formatExplanation(res.explanation, source), source };
}

describe('explain: a reachable lost request', () => {
  it('names both threads\' lines, the values read and where they came from', () => {
    const { x, text, source } = explain('dekker+no-requester-mb.litmus');
    const p1 = lineOf(source, 'P1(');
    const setBit = lineOf(source, 'kvm_make_request', p1);
    const modeRead = lineOf(source, 'READ_ONCE(vcpu->mode)', p1);
    const modeWrite = lineOf(source, 'WRITE_ONCE(vcpu->mode');
    const pending = lineOf(source, 'kvm_request_pending');
    const mb = lineOf(source, 'smp_mb();');
    expect(x.kind).toBe('reachable');
    expect(x.verdict).toBe('lost request: reachable');
    expect(text).toContain(`P1 line ${modeRead} read vcpu->mode = OUTSIDE_GUEST_MODE although P0 line ${modeWrite} had written IN_GUEST_MODE: nothing orders P1's set_bit (line ${setBit}) before that read`);
    expect(text).toContain(`P0 line ${pending} read vcpu->requests = 0 (no request) although P1 line ${setBit} had written 0x1 (KVM_REQ_TLB_FLUSH)`);
    expect(text).toContain('reads vcpu->mode = OUTSIDE_GUEST_MODE from the initial value');
    if (x.kind !== 'reachable') return;
    const w = x.witnesses[0];
    expect(w.state).toEqual(['0:r0=0', '1:r1=OUTSIDE_GUEST_MODE (0)']);
    // Exactly one step failed: the requester's set_bit before its read of the mode.
    expect(w.failed).toHaveLength(1);
    expect(w.failed[0]).toContain(`set_bit (line ${setBit}), a write of vcpu->requests, before READ_ONCE (line ${modeRead}), a read of vcpu->mode`);
    expect(w.failed[0]).toContain('needs a full barrier');
    expect(w.failed[0]).toContain('smp_wmb() inside kvm_make_request()');
    expect(w.held).toEqual([expect.stringContaining(`kept by smp_mb() at line ${mb}`)]);
  });

  it('blames the vCPU side when its barrier is the one missing', () => {
    const { x, source } = explain('dekker+no-vcpu-mb.litmus');
    if (x.kind !== 'reachable') throw new Error('expected a witness');
    const w = x.witnesses[0];
    expect(w.failed).toHaveLength(1);
    expect(w.failed[0]).toMatch(new RegExp(`^P0: WRITE_ONCE \\(line ${lineOf(source, 'WRITE_ONCE(vcpu->mode')}\\).*kvm_request_pending \\(line ${lineOf(source, 'kvm_request_pending')}\\)`));
  });

  it('says a read-read pair needs more than a control dependency (stale state)', () => {
    const { x } = explain('request-state+bare-pending.litmus');
    if (x.kind !== 'reachable') throw new Error('expected a witness');
    expect(x.witnesses[0].failed[0]).toContain('a read followed by a read needs smp_rmb()');
    expect(x.witnesses[0].failed[0]).toContain('the control dependency (the if) orders later writes only');
  });

  it('tells an interleaving when no reordering is needed (a request-less kick)', () => {
    const { x, text, source } = explain('kick+no-request.litmus');
    if (x.kind !== 'reachable') throw new Error('expected a witness');
    const w = x.witnesses[0];
    expect(w.cycle).toBeNull();
    expect(text).toContain('No reordering is needed');
    const order = w.interleaving!.map((s) => `${s.thread}:${s.line}`);
    // The kick's cmpxchg sees OUTSIDE_GUEST_MODE before the vCPU publishes IN_GUEST_MODE.
    const kick = order.indexOf(`1:${lineOf(source, 'kvm_vcpu_kick')}`);
    const entry = order.indexOf(`0:${lineOf(source, 'WRITE_ONCE(vcpu->mode')}`);
    expect(kick).toBeGreaterThanOrEqual(0);
    expect(entry).toBeGreaterThan(kick);
  });

  it('uses x86 rules under --model tso', () => {
    const { x } = explain('dekker+no-vcpu-mb.litmus', 'tso');
    if (x.kind !== 'reachable') throw new Error('expected a witness');
    expect(x.witnesses[0].failed[0]).toContain('MFENCE');
  });
});

describe('explain: a Never', () => {
  it('names the check that rules the lost request out, through both barriers', () => {
    const { x, text, source } = explain('dekker+mbs.litmus');
    expect(x.kind).toBe('never');
    if (x.kind !== 'never') return;
    expect(x.verdict).toBe('lost request: never');
    expect(x.candidates).toBeGreaterThan(0);
    // One coherent candidate ends there (both reads see the initial values); propagation
    // rejects it. The rest break coherence or atomicity and are listed last.
    expect(x.ruledOut[0]).toMatchObject({ check: 'propagation', candidates: 1 });
    for (const r of x.ruledOut.slice(1)) expect(['coherence', 'atomic']).toContain(r.check);
    const p1 = lineOf(source, 'P1(');
    expect(text).toContain(`kept by smp_mb() at line ${lineOf(source, 'smp_mb();')}`);
    expect(text).toContain(`kept by smp_mb() at line ${lineOf(source, 'smp_mb();', p1)}`);
  });

  it('says so when no candidate can reach the state at all', () => {
    const { x, text } = explain('ipi-reduction+wait-not-outside.litmus');
    if (x.kind !== 'never') throw new Error('expected a Never');
    expect(x.candidates).toBe(0);
    expect(text).toContain('No candidate execution ends in missed kick');
  });
});

describe('explain: the shared corpora', () => {
  it('rules ISA2 out through the lock hand-off, every program-order step kept', () => {
    const t = corpusTests().find((c) => c.file.endsWith('lkmm-kernel/ISA2+pooncelock+pooncelock+pombonce.litmus'))!;
    const res = explainSource(t.source, t.file);
    if (!res.ok || res.explanation.kind !== 'never') throw new Error('expected a Never');
    const cycle = res.explanation.ruledOut[0].example.cycle!;
    expect(cycle.filter((e) => e.kind === 'po').every((e) => e.pair?.held)).toBe(true);
    const primitives = cycle.map((e) => e.from.origin?.primitive);
    expect(primitives).toContain('spin_unlock');
    expect(primitives).toContain('spin_lock');
  });

  it('rules CoRR out by coherence', () => {
    const t = corpusTests().find((c) => c.file.endsWith('lkmm-kernel/CoRR+poonceonce+Once.litmus'))!;
    const res = explainSource(t.source, t.file);
    if (!res.ok || res.explanation.kind !== 'never') throw new Error('expected a Never');
    expect(res.explanation.ruledOut.map((r) => r.check)).toEqual(['coherence']);
  });

  it('finds a witness exactly when herd7 saw the bad state', () => {
    for (const t of corpusTests()) {
      const res = explainSource(t.source, t.file);
      if (!res.ok) throw new Error(`${t.file}: ${res.diagnostics[0].message}`);
      const x = res.explanation;
      const q = x.result.program.quantifier;
      const badExecutions = q === 'forall' ? t.expected.negative : t.expected.positive;
      expect(x.kind, t.file).toBe(badExecutions > 0 ? 'reachable' : 'never');
      if (x.kind === 'reachable') expect(x.witnesses[0].failed.length + (x.witnesses[0].interleaving ? 1 : 0) + x.witnesses[0].held.length, t.file).toBeGreaterThan(0);
    }
  });
});

describe('explain: DOT', () => {
  it('draws threads as clusters and the step that was not kept in red', () => {
    const { x } = explain('dekker+no-requester-mb.litmus');
    if (x.kind !== 'reachable') throw new Error('expected a witness');
    const w = x.witnesses[0];
    const dot = toDot(x.result.program, w.graph, w.cycle, 'witness');
    expect(dot).toMatch(/^digraph "witness" \{/);
    expect(dot).toContain('subgraph cluster_P0');
    expect(dot).toContain('subgraph cluster_P1');
    const failed = w.cycle!.find((e) => e.kind === 'po' && e.pair && !e.pair.held)!;
    expect(dot).toContain(`e${failed.from.id} -> e${failed.to.id} [label="po", penwidth=2.5, color=red, style=dashed`);
    expect(dot.match(/label="fr"/g)).toHaveLength(2);
  });
});

describe('explain: command line', () => {
  const out: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    out.length = 0;
  });
  const capture = () => {
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => (out.push(String(s)), true));
  };

  it('prints the explanation, writes a DOT file per witness, exits 0 when as expected', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'explain-'));
    try {
      capture();
      const code = await explainCommand([join(KVM, 'dekker+no-requester-mb.litmus')], { model: 'lkmm', dot: dir, witnesses: 1 });
      expect(code).toBe(0);
      expect(out.join('')).toContain('lost request: reachable');
      expect(readdirSync(dir)).toEqual(['kvm-dekker+no-requester-mb.witness-1.dot']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('draws the same graphs as SVG with --svg, beside --dot, without Graphviz installed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'explain-'));
    try {
      capture();
      const code = await explainCommand([join(KVM, 'dekker+no-vcpu-mb.litmus')], { model: 'lkmm', dot: dir, svg: dir, witnesses: 1 });
      expect(code).toBe(0);
      expect(readdirSync(dir).sort()).toEqual(['kvm-dekker+no-vcpu-mb.witness-1.dot', 'kvm-dekker+no-vcpu-mb.witness-1.svg']);
      const svg = readFileSync(join(dir, 'kvm-dekker+no-vcpu-mb.witness-1.svg'), 'utf8');
      expect(svg).toMatch(/^<\?xml[^]*<svg [^]*<\/svg>\s*$/);
      // Every node and edge label of the DOT file is drawn: one <g class="node"> per DOT node.
      const dot = readFileSync(join(dir, 'kvm-dekker+no-vcpu-mb.witness-1.dot'), 'utf8');
      const nodes = [...dot.matchAll(/^\s*(e\d+|init\d*)\s*\[/gm)].length;
      expect(nodes).toBeGreaterThan(0);
      expect([...svg.matchAll(/<g id="node\d+" class="node">/g)].length).toBe(nodes);
      expect(svg).toContain('>rf<');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 1 when the verdict contradicts the Result: line, 2 on a missing file', async () => {
    capture();
    // The test says Sometimes (LKMM) and, on its Result(sc): line, Never under SC: both agree.
    expect(await explainCommand([join(KVM, 'dekker+no-requester-mb.litmus')], { model: 'sc' })).toBe(0);
    // Without its Result(sc): line, the Result: line (Sometimes) applies to SC, which says Never.
    const dir = mkdtempSync(join(tmpdir(), 'explain-'));
    try {
      const file = join(dir, 'no-sc-line.litmus');
      writeFileSync(file, readFileSync(join(KVM, 'dekker+no-requester-mb.litmus'), 'utf8').replace(/Result\(sc\): Never/, ''));
      expect(await explainCommand([file], { model: 'sc' })).toBe(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(await explainCommand([join(KVM, 'no-such-test.litmus')], { model: 'lkmm' })).toBe(2);
  });
});

describe('undefined behaviour is one classification, shared with the judge', () => {
  // P1 reads 5 and dereferences it: that execution ends in r0=5, which the condition asks
  // for, but its final state means nothing. The judge sets it aside; explain must too.
  const SRC = `C ub-witness
{ p=x; x=0; }
P0(int **p, int *x) { WRITE_ONCE(*p, 5); }
P1(int **p) { int r0; int r1; r0 = READ_ONCE(*p); r1 = READ_ONCE(*r0); }
exists (1:r0=5)`;

  it('never offers an execution with undefined behaviour as a witness', () => {
    const r = explainSource(SRC, 'ub.litmus');
    if (!r.ok) throw new Error(r.diagnostics[0].message);
    expect(r.explanation.result.judgement).toMatchObject({ observation: 'Never', positive: 0 });
    expect(r.explanation.result.judgement.undefinedBehaviour).toEqual([{ thread: 1, pos: { line: 4, col: 56 }, message: 'dereferencing the non-pointer value 5', executions: 1 }]);
    expect(r.explanation.kind).toBe('never');
  });
});
