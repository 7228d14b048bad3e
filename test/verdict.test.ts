// Verdict mode (#12) against its oracles: herd7's recorded Observation and data-race flag on every
// corpus test (paulmck's 2,281 included), the Result: lines of the tests herd7 could not finish,
// and full enumeration on generated programs, for every quantifier and model.
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideSource, lowerTest, parseLitmus, type TestResult } from '../src/api.js';
import { interleave } from '../src/interleave/interleave.js';
import { formatValue } from '../src/execution/condition.js';
import { STEPS_PER_EXECUTION } from '../src/explore/explorer.js';
import { buildTest, programSpecArb } from '../src/fuzz/generate.js';
import { buildKvmTest, kvmSpecArb } from '../src/fuzz/kvm-gen.js';
import type { Quantifier } from '../src/parse/ast.js';
import { printLitmus } from '../src/parse/print.js';
import { cli } from './helpers/cli.js';
import { SHARED } from './helpers/corpus.js';

function litmusFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.litmus')) out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

function decide(source: string, file: string, verdictOnly: boolean, model = 'lkmm'): TestResult {
  const r = decideSource(source, file, { verdictOnly, model, timeoutMs: 60_000 });
  if (!r.ok) throw new Error(`${file}: ${r.diagnostics[0].message}`);
  return r.result;
}

describe('verdict mode equals herd7 on every corpus test with a recorded result', () => {
  for (const corpus of ['lkmm-kernel', 'herd-catalogue-linux', 'paulmck']) {
    const files = litmusFiles(join(SHARED, 'corpus', corpus)).filter((f) => existsSync(f + '.expected'));
    it(`${corpus} (${files.length} tests): Observation, Ok/No and the data-race flag`, () => {
      if (corpus === 'paulmck') expect(files.length).toBe(2281);
      const wrong: string[] = [];
      for (const f of files) {
        const expected = readFileSync(f + '.expected', 'utf8');
        const observation = /^Observation \S+ (\w+)/m.exec(expected)![1];
        const ok = /^Ok$/m.test(expected);
        const race = /^Flag data-race$/m.test(expected);
        const r = decide(readFileSync(f, 'utf8'), f, true);
        const j = r.judgement;
        expect(j.verdictOnly).toEqual({ dataRaceSearched: true });
        const got = `${j.complete ? j.observation : 'incomplete'} ${j.ok ? 'Ok' : 'No'}${j.flags.includes('data-race') ? ' DATARACE' : ''}`;
        const want = `${observation} ${ok ? 'Ok' : 'No'}${race ? ' DATARACE' : ''}`;
        if (got !== want) wrong.push(`${f}: expected ${want}, got ${got}`);
      }
      expect(wrong).toEqual([]);
    });
  }
});

describe("the tests herd7 did not finish in 20 s (paulmck's TIMEOUTS.tsv)", () => {
  const dir = join(SHARED, 'corpus', 'paulmck');
  const tsv = join(dir, 'TIMEOUTS.tsv');
  const rows = existsSync(tsv) ? readFileSync(tsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t')) : [];
  it(`verdict mode decides all ${rows.length} with their Result: verdicts`, () => {
    expect(rows.length).toBe(69);
    const wrong: string[] = [];
    for (const [path, result] of rows) {
      const source = readFileSync(join(dir, path), 'utf8');
      const j = decide(source, path, true).judgement;
      // The Result: comment is the corpus's verdict; DATARACE there would name the flag.
      const want = result.trim();
      const got = `${j.complete ? j.observation : 'incomplete'}${j.flags.includes('data-race') ? ' DATARACE' : ''}`;
      if (got !== want) wrong.push(`${path}: expected ${want}, got ${got}`);
      expect(/Result:\s*(\w+)/.exec(source)?.[1]).toBe(want.split(' ')[0]);
    }
    expect(wrong).toEqual([]);
  });
});

/** What verdict mode must reproduce of full enumeration's judgement. */
function verdictOf(r: TestResult) {
  const j = r.judgement;
  return { complete: j.complete, observation: j.observation, ok: j.ok, satisfying: j.positive > 0, notSatisfying: j.negative > 0, race: j.flags.includes('data-race'), vacuous: j.vacuous };
}

describe('verdict mode equals full enumeration on generated programs', () => {
  const quantifier = fc.constantFrom<Quantifier>('exists', '~exists', 'forall');
  for (const model of ['lkmm', 'sc', 'tso']) {
    it(`litmus programs with locks, every quantifier, ${model}`, () => {
      fc.assert(
        fc.property(programSpecArb({ locks: true, maxThreads: 4 }), quantifier, (spec, q) => {
          const test = buildTest(spec);
          const text = printLitmus({ ...test, condition: { ...test.condition, quantifier: q } });
          const full = decide(text, 'g.litmus', false, model);
          if (!full.judgement.complete) return;
          expect(verdictOf(decide(text, 'g.litmus', true, model))).toEqual(verdictOf(full));
        }),
        { seed: 12, numRuns: 120 },
      );
    });
  }
  it('KVM request protocols (symbolic set_bit chains), lkmm', () => {
    fc.assert(
      fc.property(kvmSpecArb(3), quantifier, (spec, q) => {
        const test = buildKvmTest(spec);
        const text = printLitmus({ ...test, condition: { ...test.condition, quantifier: q } });
        const full = decide(text, 'k.litmus', false);
        expect(verdictOf(decide(text, 'k.litmus', true))).toEqual(verdictOf(full));
      }),
      { seed: 12, numRuns: 80 },
    );
  });
});

/** n threads, each writing then reading two shared locations: a huge space of co and rf choices. */
function wide(n: number): string {
  const threads = [...Array(n).keys()].map((i) => `P${i}(int *x, int *y)\n{\n\tint r0;\n\tint r1;\n\n\tWRITE_ONCE(*x, ${i + 1});\n\tWRITE_ONCE(*y, ${i + 1});\n\tr0 = READ_ONCE(*x);\n\tr1 = READ_ONCE(*y);\n}`);
  return `C wide-${n}\n\n{}\n\n${threads.join('\n\n')}\n\nexists (0:r0=0)\n`;
}

describe('limits bound every phase (#12)', () => {
  it('--max-executions stops 12 threads on two locations with executions built, counting steps', () => {
    const r = decideSource(wide(12), 'wide.litmus', { maxExecutions: 1000 });
    if (!r.ok) throw new Error(r.diagnostics[0].message);
    const { stats, judgement } = r.result;
    expect(judgement.complete).toBe(false);
    expect(stats.incomplete).toBe('--max-executions 1000 reached');
    expect(stats.explored).toBeGreaterThan(0);
    expect(stats.explored).toBeLessThanOrEqual(1000);
    expect(stats.steps).toBeLessThanOrEqual(1000 * STEPS_PER_EXECUTION + 1);
  });
  it('the deadline stops it too, after some executions were built; verdict mode is incomplete, not Never', () => {
    for (const verdictOnly of [false, true]) {
      const r = decideSource(wide(12).replace('exists (0:r0=0)', 'exists (0:r0=13)'), 'wide.litmus', { timeoutMs: 300, verdictOnly });
      if (!r.ok) throw new Error(r.diagnostics[0].message);
      expect(r.result.judgement.complete).toBe(false);
      expect(r.result.stats.incomplete).toBe('timeout reached');
      if (!verdictOnly) expect(r.result.stats.explored).toBeGreaterThan(0);
    }
  });
});

describe('the CLI says what verdict mode did not do', () => {
  const SB = '../shared/corpus/lkmm-kernel/SB+fencembonceonces.litmus';
  it('run --verdict-only: the verdict, no state list, in every format', () => {
    const text = cli(['run', '--verdict-only', SB]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^SB\+fencembonceonces +lkmm +Never +No +not listed +- /m);
    const herd = cli(['run', '--verdict-only', '--format', 'herd', SB]);
    expect(herd.stdout).toContain('\nStates not listed (verdict mode)\n');
    expect(herd.stdout).toMatch(/^Observation SB\+fencembonceonces Never 0 \d+$/m);
    expect(herd.stdout).toMatch(/^Verdict-only SB\+fencembonceonces states not listed; .*data-race searched$/m);
    const json = JSON.parse(cli(['run', '--verdict-only', '--format', 'json', SB]).stdout)[0];
    expect(json).toMatchObject({ observation: 'Never', statesListed: false, dataRaceSearched: true });
    // Without it, run lists every state as herd7 does.
    expect(cli(['run', '--format', 'herd', SB]).stdout).toContain('\nStates 3\n');
  });
  it('check decides verdicts only, and lists all states when a baseline needs them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'verdict-'));
    const expectFile = join(dir, 'expect.tsv');
    writeFileSync(expectFile, 'SB+fencembonceonces.litmus\tSometimes\n');
    const junit = join(dir, 'junit.xml');
    const r = cli(['check', '--expect', expectFile, '--reporter', `junit=${junit}`, SB]);
    expect(r.code).toBe(1);
    expect(readFileSync(junit, 'utf8')).toContain('Never, executions found (verdict mode) 0 satisfying / 1 not');
    const baseline = join(dir, 'baseline.json');
    expect(cli(['check', '--update-baseline', baseline, SB]).code).toBe(0);
    const recorded = Object.values(JSON.parse(readFileSync(baseline, 'utf8')) as Record<string, { verdict: string; states: string[] }>);
    expect(recorded).toHaveLength(1);
    expect(recorded[0].verdict).toBe('Never');
    expect(recorded[0].states).toHaveLength(3);
  });
});

/** One vCPU and n-1 requesters, each kvm_make_request (a set_bit) + kvm_vcpu_kick (a cmpxchg). */
function kvmRequesters(n: number): string {
  const reqs = ['KVM_REQ_TLB_FLUSH', 'KVM_REQ_VM_DEAD', 'KVM_REQ_UNBLOCK', 'KVM_REQ_DIRTY_RING_SOFT_FULL'];
  const t = ['P0(struct kvm_vcpu *vcpu)\n{\n\tint r0;\n\n\tWRITE_ONCE(vcpu->mode, IN_GUEST_MODE);\n\tsmp_mb();\n\tr0 = kvm_request_pending(vcpu);\n}'];
  for (let i = 1; i < n; i++) t.push(`P${i}(struct kvm_vcpu *vcpu)\n{\n\tkvm_make_request(${reqs[i - 1]}, vcpu);\n\tkvm_vcpu_kick(vcpu);\n}`);
  return `C kvm-requesters-${n}\n\n{}\n\n${t.join('\n\n')}\n\nlocations [vcpu->requests; vcpu->mode]\nexists (0:r0=0)\n`;
}

describe('symbolic set_bit chains (#12)', () => {
  it('the KVM requester family: the same final states as the interleaving engine under SC, and 174 LKMM executions at 4 threads', () => {
    for (const n of [3, 4]) {
      const source = kvmRequesters(n);
      const parsed = parseLitmus(source, 'k.litmus');
      if (!parsed.ok) throw new Error(parsed.diagnostics[0].message);
      const lowered = lowerTest(parsed.test);
      if (!lowered.ok) throw new Error(lowered.diagnostics[0].message);
      const program = lowered.program;
      const show = (values: ReadonlyArray<string | number>) => values.map((v) => formatValue(v)).join(' ');
      const operational = interleave(program, 'sc');
      expect(operational.complete).toBe(true);
      const axiomatic = decide(source, 'k.litmus', false, 'sc');
      expect(axiomatic.judgement.states.map((s) => show(s.values)).sort()).toEqual(operational.states.map(show).sort());
      // Every request bitmap ends complete: the chain of set_bits loses none.
      expect(axiomatic.judgement.states.every((s) => s.values.includes((1 << (n - 1)) - 1))).toBe(true);
    }
    // herd7-equivalent counts from before the symbolic shapes (issue #12's figures).
    const lkmm = decide(kvmRequesters(4).replace('locations [vcpu->requests; vcpu->mode]\n', ''), 'k.litmus', false);
    expect(lkmm.judgement.positive + lkmm.judgement.negative).toBe(174);
  });
});
