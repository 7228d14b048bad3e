// The gate cannot be fooled (issue 20): vacuous verdicts and misspelt expectations fail, a failure
// names the ordering that broke, warnings reach every reporter, usage errors are short, and the
// composite action's shell steps gate a throwaway repository. Oracles: the fixtures' stated
// intent (a filter no execution passes, a WAIT nobody acknowledges, a barrier made too weak at a
// known line), an independent XML parser, and the source text itself for every line number.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLitmus } from '../src/parse/parser.js';
import { decideSource } from '../src/api.js';
import { expectationFromComment } from '../src/check/expectations.js';
import { decideOutcome, type TestRun } from '../src/check/outcome.js';
import { formatOutcomeLine } from '../src/report/check-text.js';
import { outcomeToCase } from '../src/report/check-report.js';
import { formatGithubAnnotations } from '../src/report/github.js';
import { cli, ensureBuilt, ROOT } from './helpers/cli.js';
import { actionSteps, runStep } from './helpers/action.js';

const G = 'test/fixtures/gate';
let tmp: string;

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'litmus-gate-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The 1-based line of the first line of `file` matching `re`. */
const lineOf = (file: string, re: RegExp) => readFileSync(join(ROOT, file), 'utf8').split('\n').findIndex((l) => re.test(l)) + 1;

const junitCases = (file: string) => {
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase' }).parse(readFileSync(file, 'utf8'));
  return doc.testsuites.testsuite.flatMap((s: { testcase: unknown[] }) => s.testcase) as Array<{ name: string; failure?: { message: string; '#text': string }; 'system-err'?: string }>;
};

/** check with every reporter; the JSON report's tests and the JUnit cases. */
function checkAll(paths: string[], extra: string[] = []) {
  const id = Math.random().toString(36).slice(2);
  const json = join(tmp, `${id}.json`);
  const junit = join(tmp, `${id}.xml`);
  const r = cli(['check', ...paths, '--reporter', 'github', '--reporter', `json=${json}`, '--reporter', `junit=${junit}`, ...extra]);
  const tests = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')).tests as Array<Record<string, any>>) : [];
  return { ...r, tests, cases: existsSync(junit) ? junitCases(junit) : [] };
}

describe('Result: lines are read strictly', () => {
  const src = (line: string) => `C t\n(*\n * ${line}\n *)\n{ x=0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n`;
  const errorOf = (line: string) => {
    const r = parseLitmus(src(line), 't.litmus');
    return r.ok ? null : r.diagnostics[0];
  };
  it.each([
    ['Result: never', 12, "did you mean 'Result: Never'"],
    ['Result: Nevr', 12, "did you mean 'Result: Never'"],
    ['Results: Never', 4, "did you mean 'Result: Never'"],
    ['result: Sometimes', 4, "did you mean 'Result: Sometimes'"],
    ['Resutl: Always', 4, "did you mean 'Result: Always'"],
    ['Result Never', 4, "did you mean 'Result: Never'"],
    ['Result: Sometimes DATARCE', 22, "did you mean 'Result: Sometimes DATARACE'"],
    ['Result: Never DEADLOK', 18, "did you mean 'Result: Never DEADLOCK'"],
    ['Result(tso) Never', 4, "did you mean 'Result(tso): Never'"],
    ['Result(tso): nevr', 17, "did you mean 'Result(tso): Never'"],
    ['Result:', 4, 'has no verdict'],
  ])('%s is an error at line 3, column %i: %s', (line, col, words) => {
    const d = errorOf(line);
    expect(d).toMatchObject({ line: 3, col, severity: 'error' });
    expect(d!.message).toContain(words);
  });

  it.each([
    ['Result: Never', { verdict: 'Never', dataRace: false, deadlock: false }],
    ['Result: Sometimes DATARACE', { verdict: 'Sometimes', dataRace: true, deadlock: false }],
    ['Result: Always', { verdict: 'Always', dataRace: false, deadlock: false }],
    ['Result: Never DATARACE', { verdict: 'Never', dataRace: true, deadlock: false }],
    ['Result: DEADLOCK', { verdict: 'Never', dataRace: false, deadlock: true }],
  ])('%s is accepted', (line, want) => {
    const r = parseLitmus(src(line), 't.litmus');
    expect(r.ok && r.test.expected).toMatchObject({ ...want, pos: { line: 3, col: 4 } });
  });

  it('accepts the per-model form, and prose that mentions a result', () => {
    const r = parseLitmus(src('Result(tso): Never') + '(* the result: comment words, results in Never, the resulting test *)\n', 't.litmus');
    expect(r.ok && r.test.expectedByModel).toMatchObject({ tso: { verdict: 'Never' } });
  });

  it('accepts every Result form of the kernel corpus and the bundled KVM suite', () => {
    const dirs = [join(ROOT, '../shared/corpus/lkmm-kernel'), join(ROOT, 'litmus/kvm')];
    let seen = 0;
    for (const dir of dirs) {
      for (const f of readdirSync(dir).filter((n) => n.endsWith('.litmus'))) {
        const r = parseLitmus(readFileSync(join(dir, f), 'utf8'), f);
        expect(r.ok ? null : r.diagnostics[0].message, f).toBeNull();
        if (r.ok && r.test.expected) seen++;
      }
    }
    expect(seen).toBeGreaterThan(60);
  });

  it('check: each misspelling is an error (exit 2) at file:line:col, not a skipped test', () => {
    const r = cli(['check', `${G}/misspelt`]);
    expect(r.code).toBe(2);
    expect(r.stdout).not.toMatch(/^SKIP/m);
    expect(r.stdout).toMatch(/^ERROR +test\/fixtures\/gate\/misspelt\/results\.litmus:3:4 +'Results:' is not an expectation.*did you mean 'Result: Never'/m);
    expect(r.stdout).toMatch(/^ERROR +test\/fixtures\/gate\/misspelt\/never\.litmus:3:12 +'never' is not a verdict/m);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('0 passed, 0 failed, 7 errors');
  });
});

describe('vacuous verdicts fail the gate', () => {
  it.each([
    ['by-filter', /the filter removed/],
    ['by-pruning', /the filter removed every execution/],
    ['by-blocking', /KVM_REQUEST_WAIT/],
  ])('vacuous %s: exit 1 with the reason in every reporter; --allow-vacuous passes it', (name, reason) => {
    const file = `${G}/vacuous/${name}.litmus`;
    const r = checkAll([file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(new RegExp(`^FAIL +${file}:3:4 +vacuous-${name}: Never, vacuously: `, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^::error file=${file},line=3,col=4,.*::Never, vacuously: `, 'm'));
    expect(r.tests[0]).toMatchObject({ status: 'failed', actual: { vacuous: expect.stringMatching(reason) } });
    expect(r.cases[0].failure!.message).toMatch(reason);
    const allowed = cli(['check', file, '--allow-vacuous']);
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toMatch(/^PASS/m);
  });

  it('in full enumeration too (--all-states), the filter counting what it removed', () => {
    const r = cli(['check', `${G}/vacuous/by-filter.litmus`, '--all-states']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/vacuously: the filter removed all 2 executions/);
  });

  it('a test without an expectation that is vacuous fails as well', () => {
    const f = join(tmp, 'no-expectation-vacuous.litmus');
    writeFileSync(f, readFileSync(join(ROOT, G, 'vacuous/by-pruning.litmus'), 'utf8').replace(' * Result: Never\n', ''));
    expect(cli(['check', f]).code).toBe(1);
  });

  it('Result: DEADLOCK is met by a deadlock, and fails on a test that always finishes', () => {
    const ok = checkAll([`${G}/pass/deadlock.litmus`]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^PASS .*deadlock-expected: Never DEADLOCK, as expected$/m);
    const f = join(tmp, 'no-deadlock.litmus');
    writeFileSync(f, readFileSync(join(ROOT, G, 'pass/deadlock.litmus'), 'utf8').replace('WRITE_ONCE(*x, 1); }', 'WRITE_ONCE(*x, 1); spin_unlock(s); }').replace('WRITE_ONCE(*x, 2); }', 'WRITE_ONCE(*x, 2); spin_unlock(s); }'));
    const bad = cli(['check', f]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/expected Never DEADLOCK \(Result: comment\), got Sometimes \(every execution finishes: no deadlock\)/);
  });

  it('--require-expectations fails a test that states none', () => {
    const f = 'test/fixtures/check/suite/mp/MP+unannotated.litmus';
    expect(cli(['check', f]).code).toBe(0);
    const r = cli(['check', f, '--require-expectations']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL .*the test states no expectation/m);
  });
});

describe('a failure says what broke', () => {
  const file = `${G}/broken/dekker+requester-wmb.litmus`;
  const store = lineOf(file, /kvm_make_request/);
  const barrier = lineOf(file, /^\tsmp_wmb\(\);/);
  const load = lineOf(file, /r1 = READ_ONCE/);
  const what = new RegExp(
    `P1 line ${store}: kvm_make_request \\(set_bit\\) writes vcpu->requests.*, then line ${load}: READ_ONCE reads vcpu->mode.*` +
      `the witness needs this store and load reordered.*needs a full barrier: smp_mb\\(\\).*the smp_wmb\\(\\) at line ${barrier} orders only writes`,
  );

  it('names the store, the load and the barrier, annotated at the barrier and at Result:, with the explain command, in every reporter', () => {
    const r = checkAll([file]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split('\n');
    const fail = lines.findIndex((l) => l.startsWith(`FAIL        ${file}:4:4`));
    expect(fail).toBeGreaterThanOrEqual(0);
    expect(lines[fail + 1]).toMatch(new RegExp(`^ +${file.replace(/[+]/g, '\\+')}:${barrier}:2: `));
    expect(lines[fail + 1]).toMatch(what);
    expect(lines[fail + 2].trim()).toBe(`see: npx litmus-check explain ${file}`);
    // GitHub: one annotation at Result:, one at the barrier's line.
    expect(r.stdout).toMatch(new RegExp(`^::error file=${file.replace(/[+]/g, '\\+')},line=4,col=4,.*What broke: `, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^::error file=${file.replace(/[+]/g, '\\+')},line=${barrier},col=2,title=litmus-check%3A kvm-dekker\\+requester-wmb%3A what broke::`, 'm'));
    expect(r.tests[0].cause).toMatchObject({ location: { line: barrier }, explain: `npx litmus-check explain ${file}` });
    expect(r.tests[0].cause.message).toMatch(what);
    expect(r.cases[0].failure!.message).toMatch(what);
    expect(r.cases[0].failure!['#text']).toContain(`what broke: ${file}:${barrier}:2:`);
  });

  it('a Sometimes expected where the barriers forbid it names the model check and the barrier that keeps the order', () => {
    const f = join(tmp, 'dekker-sometimes.litmus');
    writeFileSync(f, readFileSync(join(ROOT, 'litmus/kvm/dekker+mbs.litmus'), 'utf8').replace('Result: Never', 'Result: Sometimes'));
    const r = checkAll([f]);
    expect(r.code).toBe(1);
    expect(r.tests[0].cause.message).toMatch(/^lkmm's propagation check rules out every execution reaching lost request .*kept by smp_mb\(\) at line (22|30)/);
  });
});

describe('warnings reach every reporter', () => {
  it('a request name only one thread uses: ::warning, JUnit system-err, JSON', () => {
    const file = `${G}/pass/one-thread-name.litmus`;
    const line = lineOf(file, /kvm_make_request\(KVM_REQ_EVNET_X/);
    const r = checkAll([file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: KVM_REQ_EVNET_X is not a kernel request name/);
    expect(r.stdout).toMatch(new RegExp(`^::warning file=${file},line=${line},col=\\d+,title=litmus-check%3A one-thread-name warning::KVM_REQ_EVNET_X is not a kernel request name`, 'm'));
    expect(r.tests[0].warnings).toEqual([expect.objectContaining({ line, message: expect.stringMatching(/KVM_REQ_EVNET_X/) })]);
    expect(r.cases[0]['system-err']).toMatch(new RegExp(`${file}:${line}:\\d+: warning: KVM_REQ_EVNET_X`));
  });
});

describe('usage errors are short', () => {
  it('check --format junit: one line, a hint at --reporter junit=FILE, a pointer to --help, no help text', () => {
    const r = cli(['check', '--format', 'junit', 'litmus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("error: unknown option '--format'\n(reports are written with --reporter junit=FILE, --reporter json=FILE or --reporter github)\nRun 'litmus-check check --help' for its options.\n");
  });
  it('an option typo gets commander\'s suggestion; a fuzz property typo the nearest property', () => {
    expect(cli(['check', '--reportr', 'github', 'litmus']).stderr).toMatch(/unknown option '--reportr'\n\(Did you mean --reporter\?\)\nRun 'litmus-check check --help'/);
    const f = cli(['fuzz', '--property', 'engine-agree']);
    expect(f.code).toBe(2);
    expect(f.stderr).toMatch(/\(Did you mean engines-agree\?\)\nRun 'litmus-check fuzz --help' for its options\.\n$/);
    expect(f.stderr.split('\n').length).toBeLessThan(5);
  });
  it('the closing line says "1 error", not "1 errors"', () => {
    const r = cli(['check', `${G}/misspelt/never.litmus`]);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('0 passed, 0 failed, 1 error');
  });
});

describe('explain --svg and --dot', () => {
  const test = 'litmus/kvm/dekker+no-vcpu-mb.litmus';
  it('--svg FILE writes that file, not a directory', () => {
    const out = join(tmp, 'graphs', 'x.svg');
    const r = cli(['explain', test, '--svg', out]);
    expect(r.code).toBe(0);
    expect(statSync(out).isFile()).toBe(true);
    expect(readFileSync(out, 'utf8')).toMatch(/^<\?xml|^<svg/);
  });
  it('a path ending in / (or an existing directory) is a directory', () => {
    const dir = join(tmp, 'svgdir') + '/';
    expect(cli(['explain', test, '--svg', dir]).code).toBe(0);
    expect(existsSync(join(dir, 'kvm-dekker+no-vcpu-mb.witness-1.svg'))).toBe(true);
    mkdirSync(join(tmp, 'dotdir'));
    expect(cli(['explain', test, '--dot', join(tmp, 'dotdir')]).code).toBe(0);
    expect(existsSync(join(tmp, 'dotdir', 'kvm-dekker+no-vcpu-mb.witness-1.dot'))).toBe(true);
  });
  it('explains several tests; with several, --svg FILE is a usage error', () => {
    const r = cli(['explain', 'litmus/kvm/dekker+mbs.litmus', test]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/kvm-dekker\+mbs .*never under lkmm[\s\S]*kvm-dekker\+no-vcpu-mb .*reachable under lkmm/);
    const bad = cli(['explain', 'litmus/kvm/dekker+mbs.litmus', test, '--svg', join(tmp, 'one.svg')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/with several tests, give a directory/);
  });
});

describe("the composite action's shell steps, on a throwaway repository", () => {
  const steps = actionSteps();
  const check = steps.find((s) => s.name === 'Check')!;

  /** A repository with three KVM tests; the requester's barrier of the first made too weak. */
  function repo(): { dir: string; env: Record<string, string> } {
    const dir = join(tmp, `repo-${Math.random().toString(36).slice(2)}`);
    mkdirSync(join(dir, 'tests'), { recursive: true });
    cpSync(join(ROOT, G, 'broken/dekker+requester-wmb.litmus'), join(dir, 'tests/dekker.litmus'));
    cpSync(join(ROOT, 'litmus/kvm/dekker+kick.litmus'), join(dir, 'tests/kick.litmus'));
    cpSync(join(ROOT, 'litmus/kvm/x86-entry+srcu-mb.litmus'), join(dir, 'tests/x86-entry.litmus'));
    // The install step puts the package's bin on PATH; here, this checkout's.
    const bin = join(dir, '.bin');
    mkdirSync(bin);
    symlinkSync(join(ROOT, 'bin/litmus-check'), join(bin, 'litmus-check'));
    const runner = join(dir, '.runner');
    mkdirSync(runner);
    const env = { PATH: `${bin}:${process.env.PATH}`, RUNNER_TEMP: runner, GITHUB_OUTPUT: join(runner, 'output'), GITHUB_PATH: join(runner, 'path'), GITHUB_ACTION_PATH: ROOT };
    return { dir, env };
  }
  const edit = (dir: string, f: (s: string) => string) => writeFileSync(join(dir, 'tests/dekker.litmus'), f(readFileSync(join(dir, 'tests/dekker.litmus'), 'utf8')));

  it('has an install step and a check step', () => {
    expect(steps.map((s) => s.name)).toEqual(['Install litmus-check', 'Check']);
    expect(check.env).toMatchObject({ LITMUS_PATHS: '${{ inputs.paths }}' });
  });

  it('too weak: fails with an annotation at the barrier; vacuous: fails with the reason; fixed: passes', () => {
    const { dir, env } = repo();
    const barrier = readFileSync(join(dir, 'tests/dekker.litmus'), 'utf8').split('\n').findIndex((l) => l === '\tsmp_wmb();') + 1;
    const weak = runStep(check, { paths: 'tests' }, env, dir);
    expect(weak.code).toBe(1);
    expect(weak.stdout).toMatch(new RegExp(`^::error file=tests/dekker\\.litmus,line=${barrier},col=2,.*what broke::.*smp_wmb\\(\\) at line ${barrier} orders only writes`, 'm'));
    expect(readFileSync(env.GITHUB_OUTPUT, 'utf8')).toContain(`junit=${env.RUNNER_TEMP}/litmus-check-junit.xml`);
    expect(readFileSync(join(env.RUNNER_TEMP, 'litmus-check-junit.xml'), 'utf8')).toContain('<failure');

    edit(dir, (s) => s.replace('\tsmp_wmb();', '\tsmp_mb();').replace('bad lost-request', 'filter (0:r0=2)\nbad lost-request'));
    const vacuous = runStep(check, { paths: 'tests' }, env, dir);
    expect(vacuous.code).toBe(1);
    expect(vacuous.stdout).toMatch(/^::error file=tests\/dekker\.litmus,line=4,col=4,.*::Never, vacuously: the filter removed every execution/m);

    edit(dir, (s) => s.replace('filter (0:r0=2)\n', ''));
    const fixed = runStep(check, { paths: 'tests', args: '--timeout 60' }, env, dir);
    expect(fixed.code).toBe(0);
    expect(fixed.stdout).not.toMatch(/^::error/m);
    expect(fixed.stdout.trimEnd().split('\n').pop()).toBe('3 passed, 0 failed');
  });
});

describe('blocked executions (as the explorer will report them) are counted in every reporter', () => {
  // The judgement's `blocked` list is filled by the explorer (the KVM work); here a real result
  // of the never-acknowledged WAIT test gets the entry that explorer would give it.
  const file = `${G}/vacuous/by-blocking.litmus`;
  const source = readFileSync(join(ROOT, file), 'utf8');
  const line = lineOf(file, /kvm_make_all_cpus_request/);
  const withBlocked = (src: string): TestRun => {
    const d = decideSource(src, file, { verdictOnly: true });
    if (!d.ok) throw new Error(d.diagnostics[0].message);
    const judgement = { ...d.result.judgement, blocked: [{ thread: 1, pos: { line, col: 23 }, waitsFor: 'the acknowledgement of its IPI', executions: 2 }] };
    return { kind: 'result', file, result: { ...d.result, judgement }, source: src };
  };
  const expectation = (t: TestRun) => (t.kind === 'result' ? expectationFromComment(t.result.test) : null);

  it('Result: Never fails as vacuous, with the blocked count on its line, in JUnit, JSON and as a ::warning', () => {
    const run = withBlocked(source);
    const o = decideOutcome(run, expectation(run));
    expect(o.status).toBe('failed');
    expect(formatOutcomeLine(o)).toMatch(/vacuously: .* \(2 executions blocked: P1 line \d+ waits for the acknowledgement of its IPI\)$/);
    expect(o.actual!.blocked).toEqual([{ thread: 1, line, col: 23, waitsFor: 'the acknowledgement of its IPI', executions: 2 }]);
    const c = outcomeToCase(o);
    expect(c.details).toMatch(/^blocked: {2}2 executions blocked/m);
    expect(formatGithubAnnotations([c])).toMatch(new RegExp(`^::warning file=${file.replace(/[+]/g, '\\+')},line=${line},col=23,.*::P1 waits for the acknowledgement of its IPI and never finishes, in 2 executions$`, 'm'));
  });

  it('Result: DEADLOCK is met by blocked executions, and the gate passes', () => {
    const run = withBlocked(source.replace('Result: Never', 'Result: DEADLOCK'));
    const o = decideOutcome(run, expectation(run));
    expect(o).toMatchObject({ status: 'passed', message: 'Never DEADLOCK, as expected' });
  });
});
