// `litmus-check check` and `merge-reports` end to end, through the real binary and its worker
// threads. Oracles: the fixtures' Result: comments (textbook LKMM verdicts), the kernel's
// EXPECTED.tsv, the list of corpus files on disk, and an independent XML parser.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt, ROOT } from './helpers/cli.js';
import { SHARED } from './helpers/corpus.js';

const SUITE = 'test/fixtures/check/suite';
const CLOSING = /^\d+ passed, \d+ failed(, \d+ skipped)?(, \d+ errors?)?$/;
let tmp: string;

const lastLine = (s: string) => s.trimEnd().split('\n').pop();
const junitCases = (file: string) => {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase' }).parse(readFileSync(file, 'utf8'));
  return doc.testsuites.testsuite.flatMap((s: { testcase: unknown[] }) => s.testcase) as Array<{ name: string; file: string; failure?: { message: string } }>;
};

/** A copy of the fixture suite with P0's smp_mb() deleted from SB+mbs. */
function suiteWithoutBarrier(): string {
  const dir = join(tmp, `nobarrier-${Math.random().toString(36).slice(2)}`);
  cpSync(resolve(ROOT, SUITE), dir, { recursive: true });
  const f = join(dir, 'SB+mbs.litmus');
  const src = readFileSync(f, 'utf8');
  writeFileSync(f, src.replace('\tsmp_mb();\n', ''));
  return dir;
}

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'litmus-check-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('check', () => {
  it('passes the fixture suite: PASS/SKIP lines in path order and the closing line', () => {
    const r = cli(['check', SUITE]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lastLine(r.stdout)).toBe('4 passed, 0 failed, 1 skipped');
    expect(lines.slice(0, -1).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).toEqual([
      `PASS ${SUITE}/SB+mbs.litmus`,
      `PASS ${SUITE}/SB+wmbs.litmus`,
      `PASS ${SUITE}/mp/MP+plain.litmus`,
      `SKIP ${SUITE}/mp/MP+unannotated.litmus`,
      `PASS ${SUITE}/mp/MP+wmb+rmb.litmus`,
    ]);
    expect(lines[2]).toContain('Sometimes DATARACE, as expected');
  });

  it('fails with exit 1 and a JUnit file naming the test when a barrier is removed', () => {
    const dir = suiteWithoutBarrier();
    const junit = join(tmp, 'reports/junit.xml');
    const r = cli(['check', dir, '--reporter', `junit=${junit}`, '--reporter', 'github']);
    expect(r.code).toBe(1);
    expect(lastLine(r.stdout)).toBe('3 passed, 1 failed, 1 skipped');
    expect(r.stdout).toMatch(/^FAIL +\S*SB\+mbs\.litmus:3:4 +SB\+mbs: expected Never \(Result: comment\), got Sometimes$/m);
    expect(r.stdout).toMatch(/^::error file=\S*SB\+mbs\.litmus,line=3,col=4,title=litmus-check%3A SB\+mbs failed::expected Never/m);
    const failing = junitCases(junit).filter((c) => c.failure);
    expect(failing.map((c) => c.name)).toEqual(['SB+mbs']);
    expect(failing[0].file).toMatch(/SB\+mbs\.litmus$/);
    // The verdict, then what broke (explain's failed ordering) and the command that shows it.
    expect(failing[0].failure!.message).toMatch(/^expected Never \(Result: comment\), got Sometimes\. What broke: .*a write followed by a read needs a full barrier: smp_mb\(\).*\(see: npx litmus-check explain \S*SB\+mbs\.litmus\)$/);
  });

  it('exits 2 on an unparsable test, with file:line:col, and still checks the rest', () => {
    const r = cli(['check', SUITE, 'test/fixtures/check/bad', 'no/such/dir']);
    expect(r.code).toBe(2);
    // smp_mbb() is at line 10, column 2 (after a tab).
    expect(r.stderr).toContain("test/fixtures/check/bad/misspelt-barrier.litmus:10:2: error: unknown primitive 'smp_mbb'");
    expect(r.stdout).toMatch(/^ERROR +test\/fixtures\/check\/bad\/misspelt-barrier\.litmus:10:2 /m);
    expect(r.stdout).toMatch(/^ERROR +no\/such\/dir:1:1 +no such file or directory$/m);
    expect(lastLine(r.stdout)).toBe('4 passed, 0 failed, 1 skipped, 2 errors');
  });

  it('stops a runaway test at --timeout and reports it incomplete (exit 3)', () => {
    // many-writes has about 63 million consistent executions: far more than a second's work.
    const r = cli(['check', SUITE, 'test/fixtures/check/slow', '--timeout', '1', '--jobs', '2']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^INCOMPLETE +test\/fixtures\/check\/slow\/many-writes\.litmus .*timeout/m);
    expect(lastLine(r.stdout)).toBe('4 passed, 0 failed, 1 skipped, 1 error');
    // The deadline plus the backstop's margin (1.25 x 1 s + 1 s), plus start-up, with room for a busy machine;
    // finishing the exploration instead would take minutes.
    expect(r.ms).toBeLessThan(20_000);
  });

  it('prints the same thing whatever --jobs is', () => {
    const args = ['check', '../shared/corpus/lkmm-kernel', SUITE];
    const one = cli([...args, '--jobs', '1']);
    const two = cli([...args, '--jobs', '2']);
    expect(one.code).toBe(0);
    expect(two.stdout).toBe(one.stdout);
    expect(lastLine(one.stdout)).toBe('39 passed, 0 failed, 1 skipped');
  });

  it('takes verdicts from an expect file (the kernel corpus EXPECTED.tsv)', () => {
    const dir = join(tmp, 'kernel');
    cpSync(join(SHARED, 'corpus/lkmm-kernel'), dir, { recursive: true });
    // Without Result: comments, only the expect file says what to expect.
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.litmus'))) {
      writeFileSync(join(dir, f), readFileSync(join(dir, f), 'utf8').replace(/Result:/g, 'Was:'));
    }
    expect(lastLine(cli(['check', dir]).stdout)).toBe('0 passed, 0 failed, 35 skipped');
    const r = cli(['check', dir, '--expect', join(dir, 'EXPECTED.tsv')]);
    expect(r.code).toBe(0);
    expect(lastLine(r.stdout)).toBe('35 passed, 0 failed');
    // A wrong entry fails, pointing at the test's condition.
    const tsv = join(tmp, 'wrong.tsv');
    writeFileSync(tsv, 'SB+fencembonceonces.litmus\tSometimes\n');
    const wrong = cli(['check', join(dir, 'SB+fencembonceonces.litmus'), '--expect', tsv]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('expected Sometimes (expect file), got Never');
  });

  it('records a baseline and fails when a barrier change alters an answer', () => {
    const dir = suiteWithoutBarrier();
    cpSync(resolve(ROOT, SUITE, 'SB+mbs.litmus'), join(dir, 'SB+mbs.litmus'));
    const baseline = join(dir, 'baseline.json');
    const rec = cli(['check', dir, '--update-baseline', baseline]);
    expect(rec.code).toBe(0);
    const stored = JSON.parse(readFileSync(baseline, 'utf8'));
    expect(Object.keys(stored)).toEqual(['SB+mbs.litmus', 'SB+wmbs.litmus', 'mp/MP+plain.litmus', 'mp/MP+unannotated.litmus', 'mp/MP+wmb+rmb.litmus']);
    expect(stored['mp/MP+plain.litmus']).toMatchObject({ verdict: 'Sometimes', dataRace: true, model: 'lkmm' });
    // With the baseline, the test that had no Result: comment is checked too.
    expect(lastLine(cli(['check', dir, '--baseline', baseline]).stdout)).toBe('5 passed, 0 failed');
    // Remove smp_rmb() from MP and fix its Result: comment to match: only the baseline notices.
    const mp = join(dir, 'mp/MP+wmb+rmb.litmus');
    writeFileSync(mp, readFileSync(mp, 'utf8').replace('\tsmp_rmb();\n', '').replace('Result: Never', 'Result: Sometimes'));
    expect(cli(['check', dir]).code).toBe(0);
    const r = cli(['check', dir, '--baseline', baseline]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('MP+wmb+rmb: expected Never (baseline), got Sometimes');
    // Re-recording accepts the new answer.
    expect(cli(['check', dir, '--baseline', baseline, '--update-baseline', baseline]).code).toBe(0);
    expect(cli(['check', dir, '--baseline', baseline]).code).toBe(0);
  });

  it('rejects bad options with exit 2', () => {
    expect(cli(['check', SUITE, '--reporter', 'xml=out.xml']).code).toBe(2);
    expect(cli(['check', SUITE, '--reporter', 'junit']).code).toBe(2);
    expect(cli(['check', SUITE, '--shard', '3/2']).code).toBe(2);
    expect(cli(['check', SUITE, '--jobs', '0']).code).toBe(2);
    const bad = join(tmp, 'bad.tsv');
    writeFileSync(bad, 'x.litmus\tMaybe\n');
    const r = cli(['check', SUITE, '--expect', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad}:1:1: error:`);
  });
});

describe('sharding and merging', () => {
  const corpora = ['../shared/corpus/lkmm-kernel', '../shared/corpus/herd-catalogue-linux'];
  const onDisk = corpora.flatMap((c) => readdirSync(resolve(ROOT, c)).filter((f) => f.endsWith('.litmus')).map((f) => `${c}/${f}`));

  it('--shard 1/2 and 2/2 together run each test once; their JSON reports merge into the unsharded one', () => {
    const reports = [1, 2].map((i) => join(tmp, `shard-${i}.json`));
    const shards = [1, 2].map((i) => cli(['check', ...corpora, '--shard', `${i}/2`, '--reporter', `json=${reports[i - 1]}`]));
    for (const s of shards) expect(s.code).toBe(0);
    const ran = shards.flatMap((s) => s.stdout.split('\n').filter((l) => /^(PASS|SKIP)/.test(l)).map((l) => l.split(/\s+/)[1]));
    expect(ran.length).toBe(114);
    expect(new Set(ran)).toEqual(new Set(onDisk));
    expect(Math.abs(shards[0].stdout.split('\n').length - shards[1].stdout.split('\n').length)).toBeLessThanOrEqual(1);

    const whole = join(tmp, 'whole.json');
    const unsharded = cli(['check', ...corpora, '--reporter', `json=${whole}`]);
    const junit = join(tmp, 'merged.xml');
    const merged = cli(['merge-reports', ...reports, '--reporter', `json=${join(tmp, 'merged.json')}`, '--reporter', `junit=${junit}`]);
    expect(merged.code).toBe(0);
    expect(lastLine(merged.stdout)).toBe(lastLine(unsharded.stdout));
    expect(lastLine(merged.stdout)).toMatch(CLOSING);
    const strip = (f: string) => {
      const rep = JSON.parse(readFileSync(f, 'utf8'));
      return { ...rep, shards: [], tests: rep.tests.map((t: { timeMs: number }) => ({ ...t, timeMs: 0 })) };
    };
    expect(strip(join(tmp, 'merged.json'))).toEqual(strip(whole));
    expect(junitCases(junit).length).toBe(114);
  });

  it('merge-reports exits 1 when a shard failed, and 2 when a shard is missing', () => {
    const dir = suiteWithoutBarrier();
    const reports = [1, 2].map((i) => join(tmp, `fail-shard-${i}.json`));
    const codes = [1, 2].map((i) => cli(['check', dir, '--shard', `${i}/2`, '--reporter', `json=${reports[i - 1]}`]).code);
    expect(codes.sort()).toEqual([0, 1]);
    const merged = cli(['merge-reports', ...reports]);
    expect(merged.code).toBe(1);
    expect(merged.stdout).toMatch(/^FAIL .*SB\+mbs/m);
    expect(lastLine(merged.stdout)).toBe('3 passed, 1 failed, 1 skipped');
    const missing = cli(['merge-reports', reports[0]]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing');
  });
});

describe('run --jobs', () => {
  it('gives the same herd7 blocks as a sequential run', () => {
    const noTime = (s: string) => s.replace(/^Time .*$/gm, '');
    const seq = cli(['run', '../shared/corpus/lkmm-kernel', '--format', 'herd']);
    const par = cli(['run', '../shared/corpus/lkmm-kernel', '--format', 'herd', '--jobs', '2']);
    expect(par.code).toBe(seq.code);
    expect(noTime(par.stdout)).toBe(noTime(seq.stdout));
    expect(par.stdout.match(/^Observation /gm)?.length).toBe(35);
  });
});
