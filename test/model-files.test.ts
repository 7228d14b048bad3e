// --conf/--cat (a model read from herd7's files) in every command that decides tests: run, check,
// explain, fences, fuzz and hw. Each gives, under herd7's own linux-kernel.cat from ../shared/models,
// the verdict herd7 recorded in ../shared/corpus (the .expected files) and the native lkmm's.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, ensureBuilt } from './helpers/cli.js';
import { SHARED } from './helpers/corpus.js';

const MODELS = join(SHARED, 'models/lkmm');
const CFG = join(MODELS, 'linux-kernel.cfg');
/** The same model named file by file instead of through the configuration. */
const FILES = ['--cat', join(MODELS, 'linux-kernel.cat'), '--bell', join(MODELS, 'linux-kernel.bell'), '--macros', join(MODELS, 'linux-kernel.def')];
const KERNEL = join(SHARED, 'corpus/lkmm-kernel');
const TESTS = ['SB+fencembonceonces', 'MP+poonceonces', 'MP+pooncerelease+poacquireonce', 'LB+poonceonces', 'MP+polockonce+poacquiresilsil'];
const path = (t: string) => join(KERNEL, `${t}.litmus`);

/** herd7's recorded verdict and number of states for test T. */
function herd7(t: string): { observation: string; states: number } {
  const text = readFileSync(`${path(t)}.expected`, 'utf8');
  return { observation: /^Observation \S+ (\w+)/m.exec(text)![1], states: Number(/^States (\d+)/m.exec(text)![1]) };
}

let tmp: string;
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'litmus-model-files-'));
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('a model read from files, in every command', () => {
  it('the oracle has both verdicts', () => {
    expect(new Set(TESTS.map((t) => herd7(t).observation))).toEqual(new Set(['Never', 'Sometimes']));
  });

  it.each([
    ['--conf', ['--conf', CFG]],
    ['--cat --bell --macros', FILES],
  ])('run %s: the verdicts and states herd7 recorded, and the native model\'s', (_name, flags) => {
    const observations = (args: string[]) => {
      const r = cli(['run', '--format', 'json', ...args, ...TESTS.map(path)]);
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout) as Array<{ name: string; model: string; observation: string; states: unknown[] }>).map((x) => ({ name: x.name, model: x.model, observation: x.observation, states: x.states.length }));
    };
    const cat = observations(flags);
    expect(cat.map((x) => x.model)).toEqual(TESTS.map(() => (flags[0] === '--conf' ? 'linux-kernel.cfg' : 'linux-kernel.cat')));
    expect(cat.map(({ name, observation, states }) => ({ name, observation, states }))).toEqual(TESTS.map((t) => ({ name: t, ...herd7(t) })));
    expect(observations([]).map((x) => x.observation)).toEqual(cat.map((x) => x.observation));
  }, 120_000);

  it('check: passes against herd7\'s verdicts, fails against wrong ones and names the model in its hint', () => {
    const expect1 = join(tmp, 'right.tsv');
    writeFileSync(expect1, TESTS.map((t) => `${t}.litmus\t${herd7(t).observation}\n`).join(''));
    const right = cli(['check', '--conf', CFG, '--expect', expect1, ...TESTS.map(path)]);
    expect(right.code, right.stderr).toBe(0);
    expect(right.stdout.trim().split('\n').at(-1)).toBe(`${TESTS.length} passed, 0 failed`);
    // Swap every verdict: each test fails, with explain's account under the same model.
    const wrong = join(tmp, 'wrong.tsv');
    writeFileSync(wrong, TESTS.map((t) => `${t}.litmus\t${herd7(t).observation === 'Never' ? 'Sometimes' : 'Never'}\n`).join(''));
    const r = cli(['check', '--conf', CFG, '--expect', wrong, ...TESTS.map(path)]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n').at(-1)).toBe(`0 passed, ${TESTS.length} failed`);
    expect(r.stdout).toMatch(new RegExp(`see: npx litmus-check explain \\S*SB\\+fencembonceonces\\.litmus --conf ${CFG.replace(/[.+]/g, '\\$&')}$`, 'm'));
    // The native model agrees test by test.
    expect(cli(['check', '--expect', expect1, ...TESTS.map(path)]).code).toBe(0);
  }, 120_000);

  it('explain: reachable or never as herd7 recorded, under the model read from files', () => {
    for (const t of TESTS) {
      const r = cli(['explain', '--conf', CFG, path(t)]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe(`${t} (${path(t)}): ${herd7(t).observation} under linux-kernel.cfg`);
    }
  }, 120_000);

  it('fences: the bad outcome is reachable as written exactly when herd7 says Sometimes', () => {
    const fences = (args: string[]) => {
      const r = cli(['fences', '--format', 'json', ...args, ...TESTS.map(path)]);
      return (JSON.parse(r.stdout) as Array<{ name: string; asWritten: string }>).map((x) => [x.name, x.asWritten]);
    };
    const cat = fences(FILES);
    expect(cat).toEqual(TESTS.map((t) => [t, herd7(t).observation === 'Never' ? 'never' : 'reachable']));
    expect(fences([])).toEqual(cat);
  }, 300_000);

  it('fuzz: replays and campaigns under the model read from files', () => {
    // kvm-lost-request fails exactly when the test's condition is reachable.
    for (const t of ['SB+fencembonceonces', 'MP+poonceonces']) {
      const r = cli(['fuzz', '--property', 'kvm-lost-request', '--conf', CFG, '--replay', path(t)]);
      const holds = herd7(t).observation === 'Never';
      expect(r.code, r.stderr).toBe(holds ? 0 : 1);
      expect(r.stdout).toContain(`kvm-lost-request (models: linux-kernel.cfg): ${path(t)}: ${holds ? 'holds' : 'FAILS'}`);
    }
    const campaign = cli(['--conf', CFG, 'fuzz', '--property', 'sc-subset', '--runs', '5', '--seed', '1']);
    expect(campaign.code, campaign.stderr).toBe(0);
    expect(campaign.stdout).toContain('sc-subset: 5 runs, 0 failing');
    // The interleaving engine has no cat interpreter: engines-agree refuses, saying why.
    const refused = cli(['fuzz', '--property', 'engines-agree', '--conf', CFG, '--runs', '1']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('a model read from files does not apply to engines-agree');
  }, 300_000);

  const hasCc = process.arch === 'x64' && spawnSync('cc', ['--version']).status === 0;
  it.skipIf(!hasCc)('hw: the observed states are checked against the states herd7 allows', () => {
    const t = 'SB+fencembonceonces';
    const r = cli(['hw', '--conf', CFG, '--runs', '2', '--size', '50', path(t)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Model linux-kernel.cfg: ${herd7(t).states} states allowed`);
  }, 300_000);

  it('a broken model file is reported at its line, in any command', () => {
    const bad = join(tmp, 'bad.cat');
    writeFileSync(bad, '"bad"\nlet x = po ; R\nacyclic x as oops\n');
    for (const command of ['run', 'check', 'explain', 'fences']) {
      const r = cli([command, '--cat', bad, path('MP+poonceonces')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^${bad.replace(/[.+]/g, '\\$&')}:2:\\d+: error: `, 'm'));
    }
  }, 120_000);

  it('refuses model files where no model is decided, and -m together with them', () => {
    const serve = cli(['serve', '--cat', join(MODELS, 'linux-kernel.cat')]);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain("do not apply to 'serve'");
    const both = cli(['check', '-m', 'sc', '--conf', CFG, path('MP+poonceonces')]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--model cannot be combined with --conf');
  });
});
