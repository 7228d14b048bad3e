// The herd7 drop-in (bin/litmus-herd7) against herd7 itself: its Hash= on every recorded output,
// its whole output byte for byte on the kernel's and herdtools' LKMM tests, its command line.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { herdHash } from '../src/report/herd-hash.js';
import { chooseModel } from '../src/cli/herd7.js';
import { parseHerd7Args } from '../src/cli/herd7-args.js';
import { ensureBuilt, ROOT } from './helpers/cli.js';

const CORPUS = join(ROOT, '../shared/corpus');
const LKMM = join(ROOT, '../shared/models/lkmm');
const SMALL = join(CORPUS, 'lkmm-kernel/CoRR+poonceonce+Once.litmus');

function expectedFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? expectedFiles(p) : n.endsWith('.litmus.expected') ? [p] : [];
  });
}

function herd7(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/litmus-herd7'), ...args], { cwd, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => ensureBuilt(), 300_000);

describe("herd7's Hash=", () => {
  it('is herd7 7.58 on every recorded output of the three corpora', () => {
    const files = expectedFiles(CORPUS);
    expect(files.length).toBeGreaterThan(2000);
    const wrong = files.filter((f) => herdHash(readFileSync(f.replace(/\.expected$/, ''), 'utf8')) !== /^Hash=(\S+)$/m.exec(readFileSync(f, 'utf8'))?.[1]);
    expect(wrong).toEqual([]);
  });
});

describe('litmus-herd7', () => {
  it("prints herd7's output byte for byte (but for Time) on the kernel's and herdtools' LKMM tests", () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'scripts/herd7-bytes.mjs'), '--min', '100', join(CORPUS, 'lkmm-kernel'), join(CORPUS, 'herd-catalogue-linux')], { encoding: 'utf8' });
    expect(r.stdout).toContain('herd7-bytes: 114/114');
    expect(r.status).toBe(0);
  }, 300_000);

  it('finds -conf linux-kernel.cfg through -I, and takes the native engine only for the kernel LKMM files', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'herd7-lkmm-'));
    try {
      const parse = (argv: string[]) => {
        const p = parseHerd7Args(argv);
        if (!p.ok) throw new Error(p.message);
        return p.args;
      };
      expect((await chooseModel(parse(['-I', LKMM, '-conf', 'linux-kernel.cfg']))).model).toBe('lkmm');
      // The same files with one comment more: the cat interpreter runs them.
      cpSync(LKMM, tmp, { recursive: true });
      appendFileSync(join(tmp, 'linux-kernel.cat'), '\n(* changed *)\n');
      expect(typeof (await chooseModel(parse(['-I', tmp, '-conf', 'linux-kernel.cfg']))).model).toBe('object');
      expect(typeof (await chooseModel(parse(['-I', LKMM, '-conf', 'linux-kernel.cfg', '-skipchecks', 'happens-before']))).model).toBe('object');
      const out = herd7(['-I', tmp, '-conf', 'linux-kernel.cfg', SMALL]);
      expect(out.out).toContain('Observation CoRR+poonceonce+Once Never 0 3');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('-skipchecks drops a check of the cat model (without propagation, SB with smp_mb() is reachable)', () => {
    const sb = join(CORPUS, 'lkmm-kernel/SB+fencembonceonces.litmus');
    expect(herd7(['-I', LKMM, '-conf', 'linux-kernel.cfg', sb]).out).toMatch(/^Observation SB\+fencembonceonces Never 0 3$/m);
    expect(herd7(['-I', LKMM, '-conf', 'linux-kernel.cfg', '-skipchecks', 'propagation', sb]).out).toMatch(/^Observation SB\+fencembonceonces Sometimes 1 3$/m);
  });

  it('refuses options it does not implement by name, exit 2', () => {
    const r = herd7(['-foo', SMALL]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("option '-foo' is not supported");
    expect(herd7(['-unroll']).err).toContain("option '-unroll' needs an argument");
  });

  it('unrolls loops twice by default, takes -unroll 0, and exits 0 whatever the verdicts', () => {
    const loop = join(ROOT, 'test/fixtures/herd7-loop.litmus');
    const r = herd7(['-I', LKMM, '-conf', 'linux-kernel.cfg', loop]);
    expect(r.out).toMatch(/^Loop Ok$/m);
    expect(r.code).toBe(0);
    expect(herd7(['-I', LKMM, '-conf', 'linux-kernel.cfg', '-unroll', '0', loop]).out).toMatch(/^Observation herd7-loop Always 1 0$/m);
    expect(herd7(['-version']).out).toMatch(/^7\.58, Rev: litmus-check /);
  });

  it('writes the executions of -show prop as DOT files in -o DIR', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'herd7-dot-'));
    try {
      const sb = join(CORPUS, 'lkmm-kernel/SB+poonceonces.litmus');
      herd7(['-I', LKMM, '-conf', 'linux-kernel.cfg', '-show', 'prop', '-o', tmp, sb]);
      expect(readFileSync(join(tmp, 'SB+poonceonces.dot'), 'utf8')).toMatch(/^digraph/m);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
