// `fences`: every claim is checked against an oracle that does not share the analysis' code:
// the test edited as text (a line deleted, a primitive renamed, a barrier line inserted) and run
// through the ordinary parse -> lower -> explore -> judge pipeline, or herd7's recorded verdict
// for a corpus test whose thread bodies equal the edited text.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { decideSource } from '../src/api.js';
import { analyzeFences, type FencesReport, type Fix, type VariantResult } from '../src/analysis/fences.js';
import { fencesCommand } from '../src/cli/fences.js';
import { CORPORA, parseHerdOutput } from './helpers/corpus.js';

const FIXTURES = join(__dirname, 'fixtures/fences');
const [KERNEL, CATALOGUE] = CORPORA;

const read = (file: string): string => readFileSync(file, 'utf8');
const fixture = (name: string): string => join(FIXTURES, name);

function analyze(file: string, source = read(file), options = {}): FencesReport {
  const res = analyzeFences(source, file, options);
  if (!res.ok) throw new Error(res.diagnostics.map((d) => d.message).join('\n'));
  return res.report;
}

/** The oracle: is the bad outcome reachable in this source, per the ordinary pipeline? And its flags. */
function judge(source: string, file = 'edited.litmus'): { verdict: 'reachable' | 'never'; flags: string[] } {
  const res = decideSource(source, file);
  if (!res.ok) throw new Error(`${file}: ${res.diagnostics.map((d) => d.message).join('\n')}\n${source}`);
  const j = res.result.judgement;
  expect(j.complete).toBe(true);
  const bad = res.result.program.quantifier === 'forall' ? j.negative > 0 : j.positive > 0;
  return { verdict: bad ? 'reachable' : 'never', flags: j.flags };
}
const reachable = (source: string, file?: string) => judge(source, file).verdict;

function herdObservation(file: string): string {
  return parseHerdOutput(read(file + '.expected')).observation;
}

// ---- text edits -------------------------------------------------------------------------------
const lines = (s: string) => s.split('\n');
function editLine(source: string, line: number, edit: (text: string) => string | null): string {
  const ls = lines(source);
  const next = edit(ls[line - 1]);
  if (next === null) ls.splice(line - 1, 1);
  else ls[line - 1] = next;
  return ls.join('\n');
}
/** Replace exactly one occurrence on a line (fails the test when the pattern does not occur once). */
function renameOnLine(source: string, line: number, pattern: RegExp, replacement: string): string {
  return editLine(source, line, (text) => {
    expect(text.match(new RegExp(pattern.source, 'g'))?.length, `${pattern} on line ${line}: ${text}`).toBe(1);
    return text.replace(pattern, replacement);
  });
}

/** Apply a suggested fix as a developer would, editing lines from the bottom up. */
function applyFixAsText(source: string, fix: Fix): string {
  let out = source;
  const changes = [...fix.changes].sort((a, b) => b.line - a.line);
  for (const c of changes) {
    if (c.kind === 'fence' && /: replace the smp_[wr]mb\(\) at line \d+ with smp_mb\(\)$/.test(c.text)) {
      out = renameOnLine(out, c.line, /smp_[wr]mb\(\)/, 'smp_mb()');
    } else if (c.kind === 'fence') {
      expect(c.text).toMatch(/ after /); // "at the start of a branch" fixes are not applied as text here
      const ls = lines(out);
      const indent = /^\s*/.exec(ls[c.line - 1])![0];
      ls.splice(c.line, 0, `${indent}${c.primitive}();`);
      out = ls.join('\n');
    } else if (c.primitive === 'smp_store_release') out = renameOnLine(out, c.line, /WRITE_ONCE\(\*(\w+),/, 'smp_store_release($1,');
    else if (c.primitive === 'smp_load_acquire') out = renameOnLine(out, c.line, /READ_ONCE\(\*(\w+)\)/, 'smp_load_acquire($1)');
    else throw new Error(`no text edit for ${c.primitive}`);
  }
  return out;
}

/** The statements of each thread, trimmed, without blank lines and comments. */
function threadBodies(source: string): string[] {
  const body = source.slice(source.search(/^P0\s*\(/m), source.search(/^(exists|~exists|forall|locations|filter)/m));
  return lines(body)
    .map((l) => l.replace(/\/\/.*$/, '').trim())
    .filter((l) => l.length > 0);
}

// ---- generic cross-check --------------------------------------------------------------------
/**
 * Every verdict the analysis reports for a primitive written as its own statement is re-derived
 * by editing that statement in the text; every suggested fix is applied as text and must forbid
 * the outcome, and every proper subset of it must not. Returns how many claims were re-derived.
 */
function crossCheck(file: string, source = read(file)): number {
  const r = analyze(file, source);
  let checked = 0;
  if (r.judgedWith === 'as written') {
    for (const p of r.primitives) {
      const text = lines(source)[p.line - 1].trim();
      const call = /^(?:\w+\s*=\s*)?(\w+)\((.*)\);$/.exec(text);
      if (!call || p.part !== null) continue; // helpers' inner barriers: see the KVM tests
      const [, name, args] = call;
      const variants: Array<[VariantResult, string]> = [];
      if (p.removed) variants.push([p.removed, editLine(source, p.line, () => null)]);
      for (const w of p.weakened) {
        let edited: string | null = null;
        if (name === 'smp_mb') edited = renameOnLine(source, p.line, /smp_mb\(\)/, w.label);
        else if (name === 'smp_store_release' && w.label === 'WRITE_ONCE()') edited = renameOnLine(source, p.line, /smp_store_release\((\w+),/, 'WRITE_ONCE(*$1,');
        else if (name === 'smp_load_acquire' && w.label === 'READ_ONCE()') edited = renameOnLine(source, p.line, /smp_load_acquire\((\w+)\)/, 'READ_ONCE(*$1)');
        else if (name === 'smp_store_mb' && w.label === 'WRITE_ONCE()') edited = renameOnLine(source, p.line, /smp_store_mb\(/, 'WRITE_ONCE(');
        else if (/^(xchg|cmpxchg)$/.test(name)) edited = renameOnLine(source, p.line, new RegExp(`\\b${name}\\(`), w.label.replace(/\)$/, ''));
        if (edited !== null) variants.push([w, edited]);
      }
      const baseFlags = judge(source).flags;
      for (const [claim, edited] of variants) {
        const oracle = judge(edited);
        expect(oracle.verdict, `${file}: ${p.label} line ${p.line} (${args})`).toBe(claim.verdict);
        expect(oracle.flags.filter((f) => !baseFlags.includes(f))).toEqual(claim.newFlags);
        checked++;
      }
      const strip = p.removed ?? p.weakened[p.weakened.length - 1];
      expect(p.verdict).toBe(strip.verdict === 'reachable' ? 'necessary' : strip.newFlags.includes('data-race') ? 'necessary' : 'redundant');
    }
  }
  for (const fix of r.fixes) {
    if (fix.changes.some((c) => c.kind === 'fence' && !/ after |: replace /.test(c.text))) continue;
    expect(reachable(applyFixAsText(source, fix)), `${file}: ${fix.text}`).toBe('never');
    checked++;
    // Minimal: dropping any one change (and so any proper subset, by monotonicity) leaves it reachable.
    for (let i = 0; i < fix.changes.length; i++) {
      const smaller = { ...fix, changes: fix.changes.filter((_, j) => j !== i) };
      expect(reachable(applyFixAsText(source, smaller)), `${file}: subset of ${fix.text}`).toBe('reachable');
      checked++;
    }
  }
  return checked;
}

// ---- the KVM Dekker pattern ------------------------------------------------------------------
describe('fences on the KVM Dekker pattern', () => {
  const dekker = fixture('kvm-dekker.litmus');

  it('reports both smp_mb()s necessary and kvm_make_request\'s smp_wmb redundant', () => {
    const r = analyze(dekker);
    expect(r.asWritten).toBe('never');
    expect(r.incomplete).toEqual([]);
    const byLabel = r.primitives.map((p) => [p.label, `P${p.thread}`, p.line, p.verdict]);
    expect(byLabel).toEqual([
      ['smp_mb()', 'P0', 18, 'necessary'],
      ['smp_wmb() in kvm_make_request', 'P1', 26, 'redundant'],
      ['smp_mb()', 'P1', 27, 'necessary'],
    ]);
    // Oracles: the hand-edited variants, through the normal pipeline.
    expect(reachable(read(fixture('kvm-dekker-no-vcpu-mb.litmus')))).toBe('reachable');
    expect(reachable(read(fixture('kvm-dekker-no-requester-mb.litmus')))).toBe('reachable');
    expect(reachable(read(fixture('kvm-dekker-wmb.litmus')))).toBe('reachable');
    expect(r.primitives[0].weakened.map((w) => [w.label, w.verdict])).toEqual([
      ['smp_wmb()', 'reachable'],
      ['smp_rmb()', 'reachable'],
    ]);
    // kvm_make_request without its smp_wmb is a bare set_bit.
    const bare = read(dekker).replace('kvm_make_request(KVM_REQ_TLB_FLUSH, vcpu);', 'set_bit(KVM_REQ_TLB_FLUSH, &vcpu->requests);');
    expect(bare).not.toBe(read(dekker));
    expect(reachable(bare)).toBe(r.primitives[1].removed!.verdict);
    expect(crossCheck(dekker)).toBe(6);
  });

  it('proposes "smp_mb() after the mode write" when the vCPU barrier is missing', () => {
    const file = fixture('kvm-dekker-no-vcpu-mb.litmus');
    const r = analyze(file);
    expect(r.asWritten).toBe('reachable');
    expect(r.fixSearch).toBe('found');
    expect(r.fixes.map((f) => f.text)).toEqual(['P0: smp_mb() after the mode write (line 17)']);
    // Applied as text, the fix gives exactly the thread bodies of the working test.
    const fixed = applyFixAsText(read(file), r.fixes[0]);
    expect(threadBodies(fixed)).toEqual(threadBodies(read(dekker)));
    expect(reachable(fixed)).toBe('never');
    // With the fix in place, the requester's barrier is still needed and the inner smp_wmb is not.
    expect(r.judgedWith).toBe('fix 1');
    expect(r.primitives.map((p) => [p.label, p.line, p.verdict])).toEqual([
      ['smp_wmb() in kvm_make_request', 25, 'redundant'],
      ['smp_mb()', 26, 'necessary'],
    ]);
    expect(reachable(read(fixture('kvm-dekker-no-requester-mb.litmus')))).toBe('reachable');
  });

  it('proposes the requester\'s smp_mb() after kvm_make_request when that one is missing', () => {
    const file = fixture('kvm-dekker-no-requester-mb.litmus');
    const r = analyze(file);
    expect(r.fixes.map((f) => f.text)).toEqual(['P1: smp_mb() after kvm_make_request() (line 26)']);
    expect(threadBodies(applyFixAsText(read(file), r.fixes[0]))).toEqual(threadBodies(read(dekker)));
  });

  it('replaces a too-weak smp_wmb() by an smp_mb() at the same point', () => {
    const file = fixture('kvm-dekker-wmb.litmus');
    const r = analyze(file);
    // Not a second barrier beside the smp_wmb(): the smp_wmb() itself becomes smp_mb().
    expect(r.fixes.map((f) => f.text)).toEqual(['P0: replace the smp_wmb() at line 17 with smp_mb()']);
    expect(r.fixes[0].changes).toEqual([{ kind: 'fence', primitive: 'smp_mb', thread: 0, line: 17, text: 'P0: replace the smp_wmb() at line 17 with smp_mb()' }]);
    // Judged with the fix applied, the smp_wmb() is gone; the smp_mb() that replaced it is the fix.
    expect(r.primitives.find((p) => p.label === 'smp_wmb()')).toBeUndefined();
    // Oracle: the edit as text makes it never, and without it (the fix minus its one change) it stays reachable.
    expect(crossCheck(file)).toBe(2);
  });

  it('treats forall and ~exists by their bad states, like exists', () => {
    const exists = analyze(dekker).primitives.map((p) => [p.label, p.verdict]);
    const forall = analyze(fixture('kvm-dekker-forall.litmus'));
    expect(forall.asWritten).toBe('never');
    expect(forall.primitives.map((p) => [p.label, p.verdict])).toEqual(exists);
    const notExistsSource = read(dekker).replace(/^exists/m, '~exists');
    const notExists = analyze('not-exists.litmus', notExistsSource);
    expect(notExists.primitives.map((p) => [p.label, p.verdict])).toEqual(exists);
    // Oracle: the same edits through the pipeline (forall: a violating state is the bad outcome).
    const forallNoMb = editLine(read(fixture('kvm-dekker-forall.litmus')), 17, () => null);
    expect(reachable(forallNoMb)).toBe('reachable');
    expect(crossCheck(fixture('kvm-dekker-forall.litmus'))).toBe(6);
    expect(crossCheck('not-exists.litmus', notExistsSource)).toBe(6);
  });

  it('judges the barriers inside kvm_make_request and kvm_check_request (stale state)', () => {
    const file = fixture('kvm-request-data.litmus');
    const r = analyze(file);
    expect(r.primitives.map((p) => [p.label, p.verdict])).toEqual([
      ['smp_wmb() in kvm_make_request', 'necessary'],
      ['smp_mb__after_atomic() in kvm_check_request', 'necessary'],
    ]);
    const src = read(file);
    // The helpers written out by hand without the barrier in question.
    const noWmb = src.replace('kvm_make_request(KVM_REQ_EVENT, vcpu);', 'set_bit(KVM_REQ_EVENT, &vcpu->requests);');
    const noAfterAtomic = src.replace(
      'r0 = kvm_check_request(KVM_REQ_EVENT, vcpu);',
      'r0 = kvm_test_request(KVM_REQ_EVENT, vcpu);\n\tif (r0)\n\t\tkvm_clear_request(KVM_REQ_EVENT, vcpu);',
    );
    const withBoth = src.replace('kvm_check_request(KVM_REQ_EVENT, vcpu);', 'kvm_test_request(KVM_REQ_EVENT, vcpu);\n\tif (r0) {\n\t\tkvm_clear_request(KVM_REQ_EVENT, vcpu);\n\t\tsmp_mb__after_atomic();\n\t}');
    expect(reachable(noWmb)).toBe('reachable');
    expect(reachable(noAfterAtomic)).toBe('reachable');
    expect(reachable(withBoth)).toBe('never'); // the hand expansion itself is faithful
  });
});

// ---- corpus tests against herd7 ----------------------------------------------------------------
describe('fences against herd7 verdicts', () => {
  it('MP with smp_wmb/smp_rmb: both necessary, as herd7 finds each one-barrier variant Sometimes', () => {
    const r = analyze(join(CATALOGUE, 'C-MP+o-wmb-o+o-rmb-o.litmus'));
    expect(r.primitives.map((p) => [p.label, `P${p.thread}`, p.removed?.verdict, p.verdict])).toEqual([
      ['smp_wmb()', 'P0', 'reachable', 'necessary'],
      ['smp_rmb()', 'P1', 'reachable', 'necessary'],
    ]);
    const full = read(join(CATALOGUE, 'C-MP+o-wmb-o+o-rmb-o.litmus'));
    const noRmb = join(CATALOGUE, 'C-MP+o-wmb-o+o-o.litmus');
    const noWmb = join(CATALOGUE, 'C-MP+o-o+o-rmb-o.litmus');
    expect(threadBodies(editLine(full, r.primitives[1].line, () => null))).toEqual(threadBodies(read(noRmb)));
    expect(threadBodies(editLine(full, r.primitives[0].line, () => null))).toEqual(threadBodies(read(noWmb)));
    expect(herdObservation(noRmb)).toBe('Sometimes');
    expect(herdObservation(noWmb)).toBe('Sometimes');
  });

  it('MP without ordering: the fixes are herd7-verified barrier pairs', () => {
    const file = join(KERNEL, 'MP+poonceonces.litmus');
    const r = analyze(file);
    expect(r.fixSearch).toBe('found');
    expect(r.fixes.map((f) => f.text)).toEqual([
      'P0: smp_wmb() after the buf write (line 14) + P1: the flag read as smp_load_acquire() (line 23)',
      'P0: smp_wmb() after the buf write (line 14) + P1: smp_rmb() after the flag read (line 23)',
      'P0: the flag write as smp_store_release() (line 15) + P1: the flag read as smp_load_acquire() (line 23)',
      'P0: the flag write as smp_store_release() (line 15) + P1: smp_rmb() after the flag read (line 23)',
    ]);
    const src = read(file);
    const verified = new Map([
      [r.fixes[1].text, join(KERNEL, 'MP+fencewmbonceonce+fencermbonceonce.litmus')],
      [r.fixes[2].text, join(KERNEL, 'MP+pooncerelease+poacquireonce.litmus')],
    ]);
    for (const [text, herdFile] of verified) {
      const fix = r.fixes.find((f) => f.text === text)!;
      expect(threadBodies(applyFixAsText(src, fix))).toEqual(threadBodies(read(herdFile)));
      expect(herdObservation(herdFile)).toBe('Never');
    }
    // No single barrier does: herd7 finds the one-fence MP variants Sometimes.
    expect(herdObservation(join(CATALOGUE, 'C-MP+o-wmb-o+o-o.litmus'))).toBe('Sometimes');
    expect(herdObservation(join(CATALOGUE, 'C-MP+o-o+o-rmb-o.litmus'))).toBe('Sometimes');
  });

  it('SB and IRIW without ordering: smp_mb() pairs, as in herd7\'s fenced versions', () => {
    for (const [bare, fenced, fixText] of [
      ['SB+poonceonces', 'SB+fencembonceonces', 'P0: smp_mb() after the x write (line 17) + P1: smp_mb() after the y write (line 25)'],
      ['IRIW+poonceonces+OnceOnce', 'IRIW+fencembonceonces+OnceOnce', 'P1: smp_mb() after the x read (line 25) + P3: smp_mb() after the y read (line 39)'],
    ]) {
      const file = join(KERNEL, `${bare}.litmus`);
      const r = analyze(file);
      expect(r.fixes.map((f) => f.text)).toEqual([fixText]);
      expect(threadBodies(applyFixAsText(read(file), r.fixes[0]))).toEqual(threadBodies(read(join(KERNEL, `${fenced}.litmus`))));
      expect(herdObservation(join(KERNEL, `${fenced}.litmus`))).toBe('Never');
      expect(herdObservation(file)).toBe('Sometimes');
    }
  });

  it('agrees with text edits on every corpus test and fixture', () => {
    const files = [
      ...CORPORA.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.litmus')).map((f) => join(dir, f))),
      ...readdirSync(FIXTURES).filter((f) => f.endsWith('.litmus')).map(fixture),
    ];
    let claims = 0;
    for (const f of files) claims += crossCheck(f);
    // A floor, so the cross-check cannot silently become vacuous.
    expect(claims).toBeGreaterThan(150);
  });
});

// ---- fully ordered RMWs, smp_store_mb, bounds -------------------------------------------------
describe('fences: weakenings and bounds', () => {
  it('weakens xchg to its _acquire/_release/_relaxed forms and smp_store_mb to WRITE_ONCE', () => {
    const file = fixture('xchg-store-mb.litmus');
    const r = analyze(file);
    expect(r.primitives.map((p) => [p.label, p.weakened.map((w) => `${w.label}=${w.verdict}`), p.verdict])).toEqual([
      ['xchg()', ['xchg_acquire()=reachable', 'xchg_release()=reachable', 'xchg_relaxed()=reachable'], 'necessary'],
      ['smp_store_mb()', ['WRITE_ONCE()=reachable'], 'necessary'],
    ]);
    expect(crossCheck(file)).toBe(4);
  });

  it('calls a barrier necessary when dropping it leaves the outcome never but races plain accesses', () => {
    const file = fixture('plain-data-race.litmus');
    const r = analyze(file);
    expect(r.asWritten).toBe('never');
    expect(r.flags).toEqual([]);
    expect(r.primitives.map((p) => [p.label, p.weakened.map((w) => [w.verdict, w.newFlags]), p.verdict])).toEqual([
      ['smp_store_release()', [['never', ['data-race']]], 'necessary'],
      ['smp_load_acquire()', [['never', ['data-race']]], 'necessary'],
    ]);
    expect(crossCheck(file)).toBe(2);
  });

  it('says no barrier can help when the outcome is allowed even under SC', () => {
    const file = fixture('sc-allowed.litmus');
    const r = analyze(file);
    expect(r.fixSearch).toBe('impossible');
    expect(r.fixes).toEqual([]);
    const sc = decideSource(read(file), file, { model: 'sc' });
    expect(sc.ok && sc.result.judgement.positive > 0).toBe(true);
  });

  it('reports a fix too large for --max-insertions instead of inventing one', () => {
    const file = join(KERNEL, 'SB+poonceonces.litmus');
    const r = analyze(file, read(file), { maxInsertions: 1 });
    expect(r.fixSearch).toBe('too large');
    expect(r.fixes).toEqual([]);
    // Oracle: one smp_mb() on either side is not enough.
    const src = read(file);
    expect(reachable(editLine(src, 17, (l) => `${l}\n\tsmp_mb();`))).toBe('reachable');
    expect(reachable(editLine(src, 25, (l) => `${l}\n\tsmp_mb();`))).toBe('reachable');
  });

  it('marks the analysis incomplete when the check budget runs out', () => {
    const file = join(KERNEL, 'MP+poonceonces.litmus');
    const r = analyze(file, read(file), { maxChecks: 3 });
    expect(r.checks).toBe(3);
    expect(r.fixSearch).toBe('incomplete');
    expect(r.incomplete.join(' ')).toMatch(/budget of 3 checks/);
  });
});

// ---- the command -------------------------------------------------------------------------------
describe('litmus-check fences (command)', () => {
  afterEach(() => vi.restoreAllMocks());
  const run = (paths: string[], extra: Partial<Parameters<typeof fencesCommand>[1]> = {}) => {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const code = fencesCommand(paths, { model: 'lkmm', format: 'text', maxInsertions: 2, maxChecks: 2000, ...extra });
    vi.restoreAllMocks();
    return { code, out };
  };

  it('exits 0 for a test whose bad outcome is never, 1 when it is reachable, 2 for a missing file, 3 on a limit', () => {
    expect(run([fixture('kvm-dekker.litmus')]).code).toBe(0);
    const broken = run([fixture('kvm-dekker-no-vcpu-mb.litmus')]);
    expect(broken.code).toBe(1);
    expect(broken.out).toContain('smp_mb() after the mode write (line 17)');
    expect(run([fixture('no-such-file.litmus')]).code).toBe(2);
    expect(run([fixture('kvm-dekker.litmus')], { maxChecks: 1 }).code).toBe(3);
  });

  it('prints the table and, with --format json, the same findings as data', () => {
    const text = run([fixture('kvm-dekker.litmus')]).out;
    expect(text).toMatch(/smp_mb\(\)\s+18\s+P0\s+reachable\s+smp_wmb\(\): reachable, smp_rmb\(\): reachable\s+necessary/);
    expect(text).toMatch(/smp_wmb\(\) in kvm_make_request\s+26\s+P1\s+never\s+-\s+redundant/);
    const { out, code } = run([fixture('kvm-dekker-no-vcpu-mb.litmus'), fixture('kvm-dekker.litmus')], { format: 'json' });
    expect(code).toBe(1);
    const reports = JSON.parse(out) as FencesReport[];
    expect(reports.map((r) => [r.name, r.asWritten])).toEqual([
      ['kvm-dekker-no-vcpu-mb', 'reachable'],
      ['kvm-dekker', 'never'],
    ]);
    expect(reports[0].fixes[0].changes).toEqual([{ kind: 'fence', primitive: 'smp_mb', thread: 0, line: 17, text: 'P0: smp_mb() after the mode write (line 17)' }]);
    expect(reports[1].primitives.map((p) => p.verdict)).toEqual(['necessary', 'redundant', 'necessary']);
  });
});
