// The CI gate's pure parts: expectation sources, the pass/fail decision, the closing line,
// sharding, report merging, and the JUnit / GitHub reporters. Oracles: hand-derived LKMM
// results for textbook shapes (SB with/without smp_mb), the kernel's own EXPECTED.tsv,
// an independent XML parser, and GitHub's documented escaping rules.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { decideSource } from '../src/api.js';
import { loadCatModel } from '../src/api.js';
import { expectationMismatch } from '../src/check/verdict.js';
import {
  expectationFromComment, formatBaseline, lookupExpectation, parseBaseline, parseExpectFile, type Expectation,
} from '../src/check/expectations.js';
import { closingLine, decideOutcome, summarise, type CheckOutcome, type TestRun } from '../src/check/outcome.js';
import { parseShard, selectShard } from '../src/check/shard.js';
import { buildCheckReport, mergeCheckReports, outcomeToCase, parseCheckReport } from '../src/report/check-report.js';
import { formatGithubAnnotations } from '../src/report/github.js';
import { formatJUnit } from '../src/report/junit.js';
import type { CaseReport } from '../src/report/cases.js';
import { SHARED } from './helpers/corpus.js';

const FIXTURES = resolve(__dirname, 'fixtures/check');
const SB_MBS = join(FIXTURES, 'suite/SB+mbs.litmus');
const sbSource = readFileSync(SB_MBS, 'utf8');
// The same test with P0's barrier deleted: store buffering becomes observable.
const sbNoBarrier = sbSource.replace('\tsmp_mb();\n', '');

function run(source: string, file: string, options = {}): Extract<TestRun, { kind: 'result' }> {
  const res = decideSource(source, file, options);
  if (!res.ok) throw new Error(res.diagnostics[0].message);
  return { kind: 'result', file, result: res.result, source };
}

function commentExpectation(r: Extract<TestRun, { kind: 'result' }>): Expectation | null {
  return expectationFromComment(r.result.test);
}

describe('expect files', () => {
  it("reads the kernel corpus's EXPECTED.tsv: header skipped, 35 entries, lookup by path and by name", () => {
    const file = join(SHARED, 'corpus/lkmm-kernel/EXPECTED.tsv');
    const res = parseExpectFile(readFileSync(file, 'utf8'), file);
    if (!res.ok) throw new Error(res.diagnostics[0].message);
    expect(res.table.entries.size).toBe(35);
    const sb = lookupExpectation(res.table, join(SHARED, 'corpus/lkmm-kernel/SB+fencembonceonces.litmus'));
    expect(sb).toMatchObject({ verdict: 'Never', dataRace: false, source: { kind: 'expect-file', file } });
    // Bare names match a test anywhere (the table need not sit beside the tests).
    expect(lookupExpectation(res.table, '/elsewhere/SB+poonceonces.litmus')?.verdict).toBe('Sometimes');
    expect(lookupExpectation(res.table, '/elsewhere/not-listed.litmus')).toBeNull();
  });

  it('resolves paths relative to the file, reads DATARACE, comments and spaces', () => {
    const res = parseExpectFile('# verdicts\nsub/a.litmus\tNever\n\nb.litmus   Sometimes DATARACE\n', '/proj/tests/expect.tsv');
    if (!res.ok) throw new Error(res.diagnostics[0].message);
    expect(lookupExpectation(res.table, '/proj/tests/sub/a.litmus')).toMatchObject({ verdict: 'Never', dataRace: false, source: { line: 2 } });
    expect(lookupExpectation(res.table, '/proj/tests/b.litmus')).toMatchObject({ verdict: 'Sometimes', dataRace: true, source: { line: 4 } });
    // A relative key names one file only: not every a.litmus.
    expect(lookupExpectation(res.table, '/proj/other/a.litmus')).toBeNull();
  });

  it('reports a malformed line and a duplicate with file and line', () => {
    const res = parseExpectFile('a.litmus\tNever\n  b.litmus\tnever\na.litmus\tAlways\n', '/p/e.tsv');
    expect(res.ok).toBe(false);
    if (res.ok) return;
    expect(res.diagnostics.map((d) => [d.file, d.line, d.col])).toEqual([['/p/e.tsv', 2, 3], ['/p/e.tsv', 3, 1]]);
    expect(res.diagnostics[1].message).toContain('listed twice');
  });
});

describe('baselines', () => {
  it('round-trips through formatBaseline with sorted keys', () => {
    const entries = new Map([
      ['z/b.litmus', { verdict: 'Sometimes' as const, dataRace: true, states: ['0:r0=1;'], model: 'lkmm' }],
      ['a.litmus', { verdict: 'Never' as const, dataRace: false }],
    ]);
    const text = formatBaseline(entries);
    expect(Object.keys(JSON.parse(text))).toEqual(['a.litmus', 'z/b.litmus']);
    const res = parseBaseline(text, '/repo/litmus/baseline.json');
    if (!res.ok) throw new Error(res.diagnostics[0].message);
    expect(lookupExpectation(res.table, '/repo/litmus/z/b.litmus')).toMatchObject({ verdict: 'Sometimes', dataRace: true, states: ['0:r0=1;'], model: 'lkmm', source: { kind: 'baseline' } });
    expect(lookupExpectation(res.table, '/repo/litmus/a.litmus')?.verdict).toBe('Never');
  });

  it('points at the bad entry', () => {
    const res = parseBaseline('{\n  "a.litmus": {"verdict": "Never"},\n  "b.litmus": {"verdict": "Rarely"}\n}\n', '/b.json');
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.diagnostics[0]).toMatchObject({ line: 3, message: expect.stringContaining('"b.litmus"') });
    const broken = parseBaseline('{\n  "a.litmus": ,\n}', '/b.json');
    expect(broken.ok).toBe(false);
    if (!broken.ok) expect(broken.diagnostics[0]).toMatchObject({ file: '/b.json', message: expect.stringContaining('not valid JSON') });
  });
});

describe('deciding a test', () => {
  it('passes SB with smp_mb on both sides against its Result: Never', () => {
    const r = run(sbSource, 'suite/SB+mbs.litmus');
    const o = decideOutcome(r, commentExpectation(r));
    expect(o).toMatchObject({ status: 'passed', name: 'SB+mbs', message: 'Never, as expected', actual: { observation: 'Never', positive: 0, negative: 3 } });
  });

  it('fails SB once a barrier is removed, pointing at the Result: line', () => {
    const r = run(sbNoBarrier, 'suite/SB+mbs.litmus');
    const o = decideOutcome(r, commentExpectation(r));
    expect(o.status).toBe('failed');
    expect(o.message).toBe('expected Never (Result: comment), got Sometimes');
    // " * Result: Never" is line 3 of the fixture, "Result:" starting in column 4.
    expect(o.location).toEqual({ file: 'suite/SB+mbs.litmus', line: 3, col: 4 });
  });

  it('compares baseline states even when the verdict agrees', () => {
    const r = run(sbSource, 'sb.litmus');
    const source = { kind: 'baseline' as const, file: 'b.json', line: 1, col: 1 };
    // SB+mbs reaches every combination of r0 values except both 0.
    const states = ['0:r0=0; 1:r0=1;', '0:r0=1; 1:r0=0;', '0:r0=1; 1:r0=1;'];
    expect(decideOutcome(r, { verdict: 'Never', dataRace: false, states, source }).status).toBe('passed');
    const stale = decideOutcome(r, { verdict: 'Never', dataRace: false, states: [...states.slice(1), '0:r0=2; 1:r0=2;'], source });
    expect(stale.status).toBe('failed');
    expect(stale.message).toContain('new [0:r0=0; 1:r0=1;]');
    expect(stale.message).toContain('gone [0:r0=2; 1:r0=2;]');
    // A baseline location is not in the test, so the annotation points at the condition.
    expect(stale.location.line).toBe(28);
  });

  it('needs the data-race flag to match under LKMM only', () => {
    const file = join(FIXTURES, 'suite/mp/MP+plain.litmus');
    const src = readFileSync(file, 'utf8');
    const lkmm = run(src, file);
    expect(decideOutcome(lkmm, commentExpectation(lkmm)).status).toBe('passed');
    const claimNoRace = { ...commentExpectation(lkmm)!, dataRace: false };
    expect(decideOutcome(lkmm, claimNoRace).message).toBe('expected Sometimes (Result: comment), got Sometimes DATARACE');
    // SC forbids message passing outright (Never) and has no data-race flag to compare.
    const sc = run(src, file, { model: 'sc' });
    expect(decideOutcome(sc, { ...commentExpectation(sc)!, verdict: 'Never', dataRace: true }).status).toBe('passed');
  });

  it('compares the data-race flag because the model can raise it, not because it is named lkmm', () => {
    // LKMM read from the kernel's linux-kernel.cfg is named after the file, and raises data-race.
    const loaded = loadCatModel({ conf: join(SHARED, 'models/lkmm/linux-kernel.cfg') }, (p) => (existsSync(p) ? readFileSync(p, 'utf8') : null));
    if (!loaded.ok) throw new Error(loaded.diagnostics[0].message);
    const file = join(FIXTURES, 'suite/mp/MP+plain.litmus');
    const src = readFileSync(file, 'utf8');
    const kernel = run(src, file, { model: loaded.loaded.model, lower: loaded.loaded.primitives ? { primitives: loaded.loaded.primitives } : {} });
    expect(kernel.result.model).not.toBe('lkmm');
    expect(kernel.result.modelFlags).toContain('data-race');
    expect(decideOutcome(kernel, commentExpectation(kernel)).status).toBe('passed');
    const claimNoRace = { ...commentExpectation(kernel)!, dataRace: false };
    expect(decideOutcome(kernel, claimNoRace).message).toBe('expected Sometimes (Result: comment), got Sometimes DATARACE');
    expect(expectationMismatch({ ...kernel.result, test: { ...kernel.result.test, expected: { verdict: 'Sometimes', dataRace: false } } })).toBe('expected Sometimes, got Sometimes DATARACE');
  });

  it('skips a test with no expectation, and reports a limit hit as incomplete, not as its verdict', () => {
    const r = run(sbSource.replace(/Result: Never/, 'no verdict here'), 'x.litmus');
    expect(decideOutcome(r, commentExpectation(r))).toMatchObject({ status: 'skipped', message: 'Never (no expectation)' });
    const limited = run(sbSource, 'x.litmus', { maxExecutions: 1 });
    const o = decideOutcome(limited, commentExpectation(limited));
    expect(o.status).toBe('incomplete');
    expect(o.incomplete).toContain('max-executions');
    expect(o.actual).toBeNull();
  });

  it('refuses a baseline entry recorded under another model', () => {
    const r = run(sbSource, 'x.litmus', { model: 'sc' });
    const o = decideOutcome(r, { verdict: 'Never', dataRace: false, model: 'lkmm', source: { kind: 'baseline', file: 'b.json', line: 1, col: 1 } });
    expect(o.status).toBe('error');
  });
});

const outcome = (file: string, status: CheckOutcome['status']): CheckOutcome => ({
  file, name: file.replace(/.*\//, '').replace('.litmus', ''), status, message: status, expected: null, actual: null, incomplete: null,
  location: { file, line: 1, col: 1 }, timeMs: 1,
});

describe('the closing line', () => {
  it('is "N passed, N failed" with skipped and errors only when there are some', () => {
    const s = summarise([outcome('a', 'passed'), outcome('b', 'passed'), outcome('c', 'failed')]);
    expect(closingLine(s)).toBe('2 passed, 1 failed');
    const all = summarise(['passed', 'failed', 'skipped', 'skipped', 'error', 'incomplete'].map((st, k) => outcome(`t${k}`, st as CheckOutcome['status'])));
    expect(closingLine(all)).toBe('1 passed, 1 failed, 2 skipped, 2 errors');
    expect(closingLine(all)).toMatch(/^\d+ passed, \d+ failed(, \d+ skipped)?(, \d+ errors)?$/);
  });
});

describe('sharding', () => {
  it('parses i/n and rejects the rest', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/2', '3/2', '1/0', '1', 'a/b', '1/2/3', '-1/2']) expect(parseShard(bad)).toBeNull();
  });

  it('n shards cover every test exactly once, evenly, whatever order the paths come in', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,3}(\/[a-z+]{1,4}){0,2}\.litmus$/), { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), (paths, n) => {
        const shards = Array.from({ length: n }, (_, k) => selectShard(paths, { index: k + 1, count: n }));
        const reversed = Array.from({ length: n }, (_, k) => selectShard([...paths].reverse(), { index: k + 1, count: n }));
        expect(reversed).toEqual(shards);
        const seen = shards.flat();
        expect(seen.length).toBe(paths.length);
        expect(new Set(seen)).toEqual(new Set(paths));
        const sizes = shards.map((s) => s.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('JSON reports', () => {
  const tests = ['a/1.litmus', 'a/2.litmus', 'b/3.litmus', 'b/4.litmus', 'c.litmus'].map((f, k) => outcome(f, k === 2 ? 'failed' : 'passed'));
  const whole = buildCheckReport(tests, 'lkmm');

  it('merge back into the unsharded report', () => {
    const paths = tests.map((t) => t.file);
    const parts = [1, 2].map((i) => {
      const mine = new Set(selectShard(paths, { index: i, count: 2 }));
      return { file: `shard${i}.json`, report: buildCheckReport(tests.filter((t) => mine.has(t.file)), 'lkmm', [`${i}/2`]) };
    });
    // Through JSON text, as CI artifacts travel.
    const reread = parts.map((p) => {
      const r = parseCheckReport(JSON.stringify(p.report), p.file);
      if (!r.ok) throw new Error(r.diagnostics[0].message);
      return { file: p.file, report: r.report };
    });
    const merged = mergeCheckReports([reread[1], reread[0]]);
    if (!merged.ok) throw new Error(merged.diagnostics[0].message);
    expect(merged.report.tests).toEqual(whole.tests);
    expect(merged.report.summary).toEqual(whole.summary);
    expect(merged.report.closing).toBe('4 passed, 1 failed');
    expect(merged.report.shards).toEqual(['1/2', '2/2']);
  });

  it('refuse overlapping shards and a missing shard', () => {
    const a = buildCheckReport(tests.slice(0, 3), 'lkmm', ['1/3']);
    const b = buildCheckReport(tests.slice(2), 'lkmm', ['2/3']);
    const overlap = mergeCheckReports([{ file: 'a', report: a }, { file: 'b', report: b }]);
    expect(overlap.ok).toBe(false);
    if (!overlap.ok) {
      expect(overlap.diagnostics.map((d) => d.message).join('\n')).toContain('b/3.litmus is also in a');
      expect(overlap.diagnostics.map((d) => d.message).join('\n')).toContain('shard 3/3 missing');
    }
    expect(parseCheckReport('[]', 'x.json').ok).toBe(false);
  });
});

describe('JUnit', () => {
  const cases: CaseReport[] = [
    outcomeToCase(outcome('litmus/kvm/ok.litmus', 'passed')),
    { ...outcomeToCase(outcome('litmus/kvm/lost<req>&"x".litmus', 'failed')), message: "expected Never, got Sometimes & 'more'\u0001" },
    outcomeToCase(outcome('litmus/kvm/slow.litmus', 'incomplete')),
    outcomeToCase(outcome('litmus/other/none.litmus', 'skipped')),
  ];
  const xml = formatJUnit('litmus-check', cases);
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => name === 'testsuite' || name === 'testcase' }).parse(xml);

  it('is XML an independent parser reads back, with the counts', () => {
    expect(doc.testsuites).toMatchObject({ name: 'litmus-check', tests: '4', failures: '1', errors: '1', skipped: '1' });
    expect(doc.testsuites.testsuite.map((s: { name: string }) => s.name)).toEqual(['litmus/kvm', 'litmus/other']);
  });

  it('names the failing test and keeps its message intact', () => {
    const kvm = doc.testsuites.testsuite[0].testcase;
    const failing = kvm.find((c: { failure?: unknown }) => c.failure);
    expect(failing.name).toBe('lost<req>&"x"');
    expect(failing.file).toBe('litmus/kvm/lost<req>&"x".litmus');
    // The control character is dropped (XML 1.0 cannot carry it), everything else survives.
    expect(failing.failure.message).toBe("expected Never, got Sometimes & 'more'");
    expect(kvm.find((c: { name: string }) => c.name === 'slow').error.type).toBe('incomplete');
    expect(xml).not.toContain('\u0001');
  });
});

describe('GitHub annotations', () => {
  it('annotate failures and errors at file and line, escaped as the runner expects', () => {
    const failed: CaseReport = { group: 'k', name: 'SB', file: 'k/a,b:c.litmus', line: 3, col: 4, status: 'failed', message: '100% wrong\nsecond line', timeMs: 0 };
    const passed: CaseReport = { ...failed, status: 'passed' };
    expect(formatGithubAnnotations([failed, passed])).toBe('::error file=k/a%2Cb%3Ac.litmus,line=3,col=4,title=litmus-check%3A SB failed::100%25 wrong%0Asecond line\n');
    expect(formatGithubAnnotations([passed])).toBe('');
  });
});
