// The playground's pure parts, in Node: fixes applied as text edits (each must make the bad
// outcome never, decided by the checker afresh), the witness graph's Graphviz text, share links.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decideSource } from '../src/api.js';
import { analyzeFences } from '../src/analysis/fences.js';
import { fixEdits, type TextEdit } from '../src/web/fix-edit.js';
import { handle } from '../src/web/engine.js';
import { graphDot } from '../src/web/graph.js';
import { decodeState, encodeState } from '../src/web/share.js';

const KVM = join(process.cwd(), 'litmus', 'kvm');

function apply(text: string, edits: TextEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.from - a.from)) out = out.slice(0, e.from) + e.insert + out.slice(e.to);
  return out;
}

/** Every fix the analysis suggests, applied to the text, leaves the bad outcome never. */
function checkFixes(source: string, file: string): number {
  const res = analyzeFences(source, file);
  if (!res.ok) throw new Error(res.diagnostics[0].message);
  for (const fix of res.report.fixes) {
    const edits = fixEdits(source, fix);
    expect(edits.length, `${file}: ${fix.text}`).toBeGreaterThanOrEqual(fix.changes.length);
    const fixed = decideSource(apply(source, edits), file);
    expect(fixed.ok && fixed.result.judgement.positive, `${file}: ${fix.text}`).toBe(0);
  }
  return res.report.fixes.length;
}

describe('fixes as text edits', () => {
  it('every suggested fix of the KVM suite, applied to the text, makes the bad outcome never', () => {
    let n = 0;
    // A test whose bad outcome is never has no fix to suggest; two-vcpus-entry+one-write-once's
    // fences analysis takes about 30 s since each IPI is acknowledged on its own (its fixes are
    // those of the one-vCPU entry tests).
    const slow = new Set(['two-vcpus-entry+one-write-once.litmus']);
    for (const f of readdirSync(KVM).filter((f) => f.endsWith('.litmus') && !slow.has(f))) {
      const source = readFileSync(join(KVM, f), 'utf8');
      if (!/Result: Never/.test(source)) n += checkFixes(source, f);
    }
    expect(n).toBeGreaterThanOrEqual(12);
  }, 300_000);

  it('release and acquire forms take the address of what the _ONCE forms named', () => {
    const mp = 'C MP\n{}\nP0(int *x, int *y) {\n\tWRITE_ONCE(*x, 1);\n\tWRITE_ONCE(*y, 1);\n}\nP1(int *x, int *y) {\n\tint r0; int r1;\n\tr0 = READ_ONCE(*y);\n\tr1 = READ_ONCE(*x);\n}\nexists (1:r0=1 /\\ 1:r1=0)\n';
    const res = analyzeFences(mp, 'mp.litmus');
    expect(res.ok && res.report.fixes.some((f) => f.changes.some((c) => c.kind === 'strengthen'))).toBe(true);
    expect(checkFixes(mp, 'mp.litmus')).toBeGreaterThan(1);
    const strong = res.ok ? res.report.fixes.find((f) => f.changes.every((c) => c.kind === 'strengthen'))! : null;
    expect(apply(mp, fixEdits(mp, strong!))).toContain('smp_store_release(y, 1)');
  });
});

describe('witness graphs', () => {
  const source = readFileSync(join(KVM, 'dekker+no-vcpu-mb.litmus'), 'utf8');
  const res = handle({ kind: 'explain', source, model: 'lkmm', limits: {}, witnesses: 1 });
  const g = res.kind === 'explain' ? res.result.graphs[0] : null;

  it('a KVM helper is one box until opened; the cycle is marked; threads come in order', () => {
    expect(g).not.toBeNull();
    const closed = graphDot(g!, new Set());
    expect(closed).toContain('group_P1_0 [id="group_P1_0"');
    expect(closed).not.toContain('set_bit');
    expect(closed.match(/class="cycle"/g)).toHaveLength(4);
    expect(closed).toContain('anchor0 -> anchor1 [style=invis]');
    const open = graphDot(g!, new Set([g!.groups[0].key]));
    expect(open).toContain('subgraph cluster_group_P1_0');
    expect(open).toContain('set_bit: W vcpu->requests');
  });
});

describe('share links', () => {
  it('round-trip the test, the limits and the model files', async () => {
    const state = { test: source0(), limits: { timeoutSeconds: 7, maxExecutions: 100 }, custom: { cfg: 'sc.cfg', files: { 'sc.cfg': 'model sc.cat\n', 'sc.cat': 'acyclic po | rf | co | fr as sc\n' } } };
    const fragment = await encodeState(state);
    expect(fragment).toMatch(/^s1=[A-Za-z0-9_-]+$/);
    expect(fragment.length).toBeLessThan(state.test.length);
    expect(await decodeState(`#${fragment}`)).toEqual(state);
    expect(await decodeState('#s1=not-deflate')).toBeNull();
    expect(await decodeState('#other')).toBeNull();
  });
});

function source0(): string {
  return readFileSync(join(KVM, 'vcpu-block+no-waker-mb.litmus'), 'utf8');
}
