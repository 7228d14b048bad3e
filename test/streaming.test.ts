// Reports that grow with the run are written piece by piece: a run over thousands of tests, each
// with tens of thousands of states, must never build one giant string (JSON.stringify of the
// whole run used to fail with "RangeError: Invalid string length"). The pieces must still make
// exactly the document one JSON.stringify (or one XML build) would have made.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../src/cli/run.js';
import { JsonArrayWriter } from '../src/report/json-array.js';
import { buildCheckReport, checkReportJsonChunks } from '../src/report/check-report.js';
import { formatJUnit, junitChunks } from '../src/report/junit.js';
import type { CheckOutcome } from '../src/check/outcome.js';
import { cli, ensureBuilt, ROOT } from './helpers/cli.js';
import { CORPORA } from './helpers/corpus.js';

function written(values: unknown[], indent = ''): string {
  let out = '';
  const w = new JsonArrayWriter((p) => (out += p), indent);
  for (const v of values) w.push(v);
  w.end();
  return out;
}

describe('JsonArrayWriter lays an array out as JSON.stringify(_, null, 2) does', () => {
  const samples: unknown[][] = [[], [1], [{ a: 1, b: [1, 2, { c: 'x' }] }, null, 'two', { states: [] }], [[], {}, [[]]]];
  for (const s of samples) {
    it(JSON.stringify(s), () => {
      expect(written(s)).toBe(JSON.stringify(s, null, 2));
      // Nested one level deep, as the tests array of a check report is.
      expect(`{\n  "tests": ${written(s, '  ')}\n}`).toBe(JSON.stringify({ tests: s }, null, 2));
    });
  }
});

const outcome = (file: string, status: CheckOutcome['status'], states: string[]): CheckOutcome => ({
  file, name: file.replace(/\.litmus$/, ''), status, message: `${status}`, expected: null,
  actual: { observation: 'Sometimes', dataRace: false, flags: [], positive: 1, negative: states.length - 1, states },
  incomplete: null, location: { file, line: 3, col: 1 }, timeMs: 1.5,
});

describe('check reports in pieces', () => {
  const outcomes = [outcome('b/two.litmus', 'failed', ['0:r0=1;', '0:r0=0;']), outcome('a/one.litmus', 'passed', ['0:r0=0;']), outcome('a/three.litmus', 'skipped', [])];

  it('the JSON report, one test a piece, is JSON.stringify of the report', () => {
    for (const list of [outcomes, []]) {
      const report = buildCheckReport(list, 'lkmm', ['1/2']);
      const pieces = [...checkReportJsonChunks(report)];
      expect(pieces.join('')).toBe(JSON.stringify(report, null, 2) + '\n');
      expect(pieces.length).toBeGreaterThan(list.length);
    }
  });

  it('the JUnit report, one suite a piece, holds every case with its attributes', () => {
    const cases = outcomes.map((o) => ({ name: o.name!, group: o.file.split('/')[0], file: o.file, line: 3, col: 1, status: o.status === 'passed' ? ('passed' as const) : o.status === 'failed' ? ('failed' as const) : ('skipped' as const), message: o.message, timeMs: 2 }));
    const pieces = [...junitChunks('litmus-check', cases)];
    expect(pieces.length).toBe(4); // head, two suites (a, b), tail
    const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(formatJUnit('litmus-check', cases));
    expect(xml.testsuites).toMatchObject({ name: 'litmus-check', tests: '3', failures: '1', skipped: '1' });
    const suites = xml.testsuites.testsuite as Array<{ name: string; testcase: unknown }>;
    expect(suites.map((s) => s.name)).toEqual(['b', 'a']);
    const all = suites.flatMap((s) => (Array.isArray(s.testcase) ? s.testcase : [s.testcase])) as Array<Record<string, unknown>>;
    expect(all.map((c) => c.name).sort()).toEqual(['a/one', 'a/three', 'b/two']);
    expect(all.find((c) => c.name === 'b/two')!.failure).toBeDefined();
  });
});

describe('run --format json streams', () => {
  beforeAll(() => ensureBuilt());

  it('writes test by test, and the whole parses as the array of results', () => {
    const pieces: string[] = [];
    const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (pieces.push(String(s)), true));
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let code: number;
    try {
      code = runCommand([CORPORA[0]], { model: 'lkmm', format: 'json' });
    } finally {
      out.mockRestore();
      err.mockRestore();
    }
    expect(code).toBe(0);
    const results = JSON.parse(pieces.join('')) as Array<{ name: string; states: unknown[] }>;
    expect(results.length).toBe(35);
    // One piece per test at least: no single write holds the run.
    expect(pieces.length).toBeGreaterThanOrEqual(results.length);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(pieces.join('').length / 4);
  });

  it('on workers (-j 2) gives the same results in the same order as a sequential run', () => {
    const strip = (text: string) => (JSON.parse(text) as Array<Record<string, unknown>>).map(({ timeMs, ...rest }) => (void timeMs, rest));
    const seq = cli(['run', '--format', 'json', 'litmus/kvm', CORPORA[0]]);
    const par = cli(['run', '--format', 'json', '-j', '2', 'litmus/kvm', CORPORA[0]]);
    expect(seq.code).toBe(0);
    expect(par.code).toBe(0);
    expect(strip(par.stdout)).toEqual(strip(seq.stdout));
  });

  it('check --reporter json= writes a report merge-reports reads back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lc-stream-'));
    const r = cli(['check', 'litmus/kvm', '--reporter', `json=${join(dir, 'r.json')}`, '--reporter', `junit=${join(dir, 'r.xml')}`], ROOT);
    expect(r.code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8')) as { tests: unknown[]; summary: { passed: number } };
    expect(report.tests.length).toBe(report.summary.passed);
    expect(report.tests.length).toBeGreaterThan(20);
    const merged = cli(['merge-reports', join(dir, 'r.json')], ROOT);
    expect(merged.stdout).toContain(`${report.summary.passed} passed, 0 failed`);
  });
});
