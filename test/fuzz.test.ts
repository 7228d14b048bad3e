// Small fixed-seed campaigns of every fuzz property (the long ones are `npm run fuzz`), the
// deliberately broken engine being caught and shrunk, and the KVM campaign's known answers.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideSource, lowerTest, parseLitmus } from '../src/api.js';
import { runCampaign } from '../src/fuzz/campaign.js';
import { applyMutation, buildTest, FENCES, mutationArb, programSpecArb } from '../src/fuzz/generate.js';
import { buildKvmTest, kvmSpecArb, type KvmSpec } from '../src/fuzz/kvm-gen.js';
import { bindProperty, kvmSafeBecause, parseTotal } from '../src/fuzz/properties.js';
import { printLitmus } from '../src/parse/print.js';

function campaign(name: string, runs: number, extra: Parameters<typeof bindProperty>[1] = {}) {
  const prop = bindProperty(name, extra);
  if (!prop) throw new Error(`no property ${name}`);
  return runCampaign(prop, { runs, seed: 42 });
}

describe('generators', () => {
  it('every generated program parses, lowers, and observes all its registers and locations', () => {
    fc.assert(
      fc.property(programSpecArb({ locks: true, maxThreads: 4 }), (spec) => {
        const text = printLitmus(buildTest(spec));
        const parsed = parseLitmus(text, 'g.litmus');
        expect(parsed.ok).toBe(true);
        if (!parsed.ok) return;
        const lowered = lowerTest(parsed.test);
        expect(lowered.ok).toBe(true);
        if (!lowered.ok) return;
        const p = lowered.program;
        const labels = new Set(p.observed.map((o) => o.label));
        p.threads.forEach((t) => t.userRegs.forEach((r) => expect(labels.has(`${t.index}:${r}`)).toBe(true)));
        for (const loc of p.locations.keys()) if (loc !== 's') expect(labels.has(`[${loc}]`)).toBe(true);
        expect(p.threads.length).toBeGreaterThanOrEqual(2);
        expect(p.threads.length).toBeLessThanOrEqual(4);
      }),
      { seed: 7, numRuns: 300 },
    );
  });

  it('a mutation adds a fence or makes one instruction stronger, nothing else', () => {
    fc.assert(
      fc.property(programSpecArb(), mutationArb, (spec, m) => {
        const r = applyMutation(spec, m);
        if (!r) return;
        const before = spec.threads.flat().length;
        const after = r.spec.threads.flat().length;
        expect(after - before).toBe(m.k === 'add-fence' ? 1 : 0);
        // The added fence is one of the ordering fences the primitive table lists (barrier() among them).
        if (m.k === 'add-fence') expect(FENCES.map((f) => `added ${f}()`)).toContain(r.change.replace(/ in P.*$/, ''));
        else expect(r.change).toMatch(/^strengthened /);
      }),
      { seed: 7, numRuns: 300 },
    );
  });
});

describe('fixed-seed campaigns find no failure', () => {
  it('engines-agree (sc, tso)', () => {
    const r = campaign('engines-agree', 250);
    expect(r.runs).toBe(250);
    expect(r.failures).toEqual([]);
  });
  it('sc-subset (tso, lkmm)', () => {
    expect(campaign('sc-subset', 150).failures).toEqual([]);
  });
  it('strengthen-monotone (sc, tso, lkmm)', () => {
    expect(campaign('strengthen-monotone', 100).failures).toEqual([]);
  });
  it('print-parse', () => {
    expect(campaign('print-parse', 1500).failures).toEqual([]);
  });
  it('parse-total', () => {
    const r = campaign('parse-total', 3000);
    expect(r.failures).toEqual([]);
    // Bad text is fine as long as it comes back as a diagnostic.
    expect(parseTotal(['C t\n{ x=; }\nP0(int *x) { (* }']).ok).toBe(true);
  });
});

describe('campaign limits', () => {
  it('a time budget stops the campaign early and says so', () => {
    const r = runCampaign(bindProperty('sc-subset')!, { runs: 1_000_000, seed: 1, timeBudgetMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.runs).toBeGreaterThan(0);
    expect(r.runs).toBeLessThan(1_000_000);
  });
});

describe('a deliberately broken engine is caught and shrunk', () => {
  it('TSO without store forwarding: a minimal one-location test', () => {
    const prop = bindProperty('engines-agree', { models: ['tso'], break: 'tso-no-forwarding' })!;
    const r = runCampaign(prop, { runs: 200, seed: 42, maxShrinks: 1 });
    expect(r.failingRuns).toBeGreaterThan(0);
    const f = r.failures[0];
    expect(f.shrunk).toBe(true);
    expect(f.message).toMatch(/only the interleaving engine/);
    const file = f.files[0];
    // Minimal: two threads (the generator's least), one location, a store then a load of it.
    expect((file.match(/^P\d+\(/gm) ?? []).length).toBe(2);
    expect(file).not.toMatch(/\b[yzw]\b/);
    expect(file).toMatch(/WRITE_ONCE\(\*x, 1\);[\s\S]*READ_ONCE\(\*x\)|\*x = 1;[\s\S]*= \*x;/);
    // The written file replays: it fails with the bug and holds without it.
    expect(prop.checkFiles(f.files).ok).toBe(false);
    expect(bindProperty('engines-agree', { models: ['tso'] })!.checkFiles(f.files).ok).toBe(true);
    // And the printed path replays the same shrunk counterexample.
    const again = runCampaign(prop, { runs: 1, seed: 42, path: f.path });
    expect(again.failures[0].files).toEqual(f.files);
  });
});

describe('kvm-lost-request', () => {
  const spec = (vcpuBarrier: KvmSpec['vcpu']['barrier'], reqBarrier: KvmSpec['vcpu']['barrier']): KvmSpec => ({
    vcpu: { write: 'WRITE_ONCE', barrier: vcpuBarrier, check: 'kvm_request_pending' },
    requesters: [{ make: 'kvm_make_request', barrier: reqBarrier, notify: 'READ_ONCE' }],
  });
  const lost = (s: KvmSpec) => {
    const r = decideSource(printLitmus(buildKvmTest(s)), 'kvm.litmus');
    if (!r.ok) throw new Error(r.diagnostics[0].message);
    return r.result.judgement.observation !== 'Never';
  };

  it("agrees with vcpu-requests.rst: both smp_mb()s are needed", () => {
    expect(lost(spec('smp_mb', 'smp_mb'))).toBe(false);
    expect(lost(spec('none', 'smp_mb'))).toBe(true);
    expect(lost(spec('smp_mb', 'none'))).toBe(true);
    expect(lost(spec('smp_mb', 'smp_wmb'))).toBe(true);
    // set_bit is an atomic: smp_mb__after_atomic() after kvm_make_request is a full barrier.
    expect(lost(spec('smp_mb', 'smp_mb__after_atomic'))).toBe(false);
  });

  it('the campaign has a row per protocol shape (helpers and barriers), and says why each safe one is safe', () => {
    const prop = bindProperty('kvm-lost-request', { gen: { maxThreads: 2 } })!;
    const r = runCampaign(prop, { runs: 300, seed: 42, explainSafeGroups: true });
    expect(r.groups.length).toBeGreaterThan(100);
    for (const g of r.groups) {
      expect(g.group).toMatch(/^vCPU: \w+\(mode\); \w+; \w+ \| P1: \w+; \w+; [\w()]+$/);
      // A row is one protocol, one litmus test: its runs all agree.
      expect(g.failures === 0 || g.failures === g.runs).toBe(true);
      // A safe row names the check that forbids the lost request; a row with one names nothing.
      if (g.failures === 0) expect(g.safeBecause).toMatch(/^(propagation|happens-before|coherence|atomic)\b/);
      else expect(g.safeBecause).toBeNull();
    }
    // The table's old puzzle: a row with no barrier at all is safe only through its helpers.
    const noBarriers = r.groups.filter((g) => g.failures === 0 && /vCPU: \w+\(mode\); none;.*P1: \w+; none;/.test(g.group));
    for (const g of noBarriers) expect(g.safeBecause).toMatch(/fully ordered|smp_mb\(\)|cmpxchg|test_and_set_bit/);
    expect(r.failures.length).toBe(r.groups.filter((g) => g.failures > 0).length);
    expect(r.failures.every((f) => f.files[0].includes('bad lost-request'))).toBe(true);
  });

  it('names the orderings of vcpu-requests.rst that keep a protocol safe', () => {
    const why = (s: KvmSpec) => kvmSafeBecause(printLitmus(buildKvmTest(s)), 'lkmm');
    expect(why(spec('smp_mb', 'smp_mb'))).toBe('propagation: vCPU smp_mb(); P1 smp_mb()');
    expect(why(spec('smp_mb', 'smp_mb__after_atomic'))).toBe('propagation: vCPU smp_mb(); P1 smp_mb__after_atomic() with the set_bit()');
    expect(why({ ...spec('none', 'none'), vcpu: { write: 'xchg', barrier: 'none', check: 'kvm_request_pending' }, requesters: [{ make: 'test_and_set_bit', barrier: 'none', notify: 'READ_ONCE' }] }))
      .toBe('propagation: vCPU the fully ordered xchg(); P1 the fully ordered test_and_set_bit()');
  });

  it('every generated protocol parses and lowers', () => {
    fc.assert(
      fc.property(kvmSpecArb(2), (s) => {
        const p = parseLitmus(printLitmus(buildKvmTest(s)), 'k.litmus');
        expect(p.ok && lowerTest(p.test).ok).toBe(true);
      }),
      { seed: 3, numRuns: 200 },
    );
  });
});

describe('litmus-check fuzz (the command)', () => {
  const bin = resolve(__dirname, '../bin/litmus-check');
  const built = existsSync(resolve(__dirname, '../dist/cli/fuzz.js'));
  it.skipIf(!built)('exits 1 on a failure, writes the shrunk file, and 0 when the property holds', () => {
    const out = mkdtempSync(join(tmpdir(), 'fuzz-'));
    const bad = spawnSync(process.execPath, [bin, 'fuzz', '--property', 'engines-agree', '--model', 'tso', '--runs', '100', '--seed', '42', '--max-shrinks', '1', '--out', out, '--break', 'tso-no-forwarding'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/engines-agree: 100 runs, \d+ failing, [\d.]+ s, seed 42/);
    const files = readdirSync(out);
    expect(files).toContain('engines-agree-1.litmus');
    const replay = spawnSync(process.execPath, [bin, 'fuzz', '--property', 'engines-agree', '--model', 'tso', '--replay', join(out, 'engines-agree-1.litmus')], { encoding: 'utf8' });
    expect(replay.status).toBe(0);
    expect(readFileSync(join(out, 'engines-agree-1.litmus'), 'utf8')).toMatch(/^C /);
    const good = spawnSync(process.execPath, [bin, 'fuzz', '--property', 'print-parse', '--runs', '200', '--seed', '1'], { encoding: 'utf8' });
    expect(good.status).toBe(0);
    expect(good.stdout).toMatch(/print-parse: 200 runs, 0 failing/);
    const usage = spawnSync(process.execPath, [bin, 'fuzz', '--property', 'nonsense'], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });

  it.skipIf(!built)('refuses a model the property does not take, saying which it takes (exit 2)', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['engines-agree', 'lkmm', /--model lkmm does not apply to engines-agree: it compares the sc and tso models/],
      ['sc-subset', 'sc', /--model sc does not apply to sc-subset: it compares sc with --model lkmm or tso/],
      ['print-parse', 'tso', /--model tso does not apply to print-parse: it takes no model/],
      ['kvm-lost-request', 'x86', /argument 'x86' is invalid\. Allowed choices are lkmm, sc, tso/],
    ];
    for (const [property, model, message] of cases) {
      const r = spawnSync(process.execPath, [bin, 'fuzz', '--property', property, '--model', model, '--runs', '1'], { encoding: 'utf8' });
      expect(r.status, property).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
