// The herd7 drop-in behind the kernel's own scripts (tools/memory-model/scripts, unchanged, from a
// writable copy of ../shared/kernel-mm/memory-model), with bin/litmus-herd7 linked as `herd7` on
// PATH. The oracle is herd7 itself: its recorded outputs (../shared/corpus/lkmm-kernel) are the
// history scripts' baseline, and the scripts' own judgements (judgelitmus.sh) against the tests'
// Result: comments.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './helpers/cli.js';

const KERNEL_MM = join(ROOT, '../shared/kernel-mm/memory-model');
const HERD_OUTPUTS = join(ROOT, '../shared/corpus/lkmm-kernel');
// Over 30 s here (a 7-thread test took 0.93 s on a CI machine and missed a 1 s timeout): keep a wide margin.
const SLOW = join(
  ROOT,
  '../shared/corpus/paulmck/auto/C-RW-G+RW-G+RW-R+RW-R+RW-R+RW-R+RW-G+RW-G+RW-R+RW-R+RW-G+RW-G+RW-R+RW-R+RW-R+RW-R+RW-G+RW-G+RW-R.litmus',
);

let dir: string;
let mm: string;
let env: NodeJS.ProcessEnv;
const tests = readdirSync(join(KERNEL_MM, 'litmus-tests')).filter((f) => f.endsWith('.litmus'));

function sh(script: string, args: string[] = [], extra: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(script, args, { cwd: mm, env: { ...env, ...extra }, encoding: 'utf8', timeout: 300_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** herdtools' mselect7, as much as the history scripts use: `-arch C` keeps the C tests of stdin's list. */
const MSELECT7 = `#!/bin/sh
test "$1" = -arch || exit 2
while read f; do if head -1 "$f" | grep -q "^$2 "; then echo "$f"; fi; done
`;

const EDGE: Record<string, string> = {
  'unknown-macro.litmus': 'C unknown-macro\n\n(*\n * Result: Never\n *)\n\n{}\n\nP0(int *x)\n{\n\tfoo_bar(x);\n}\n\nexists (x=1)\n',
  'loop.litmus': 'C loop\n\n(*\n * Result: Always\n *)\n\n{}\n\nP0(int *x)\n{\n\tint r0;\n\n\tr0 = READ_ONCE(*x);\n\twhile (r0 == 0)\n\t\tr0 = READ_ONCE(*x);\n}\n\nP1(int *x)\n{\n\tWRITE_ONCE(*x, 1);\n}\n\nexists (0:r0=1)\n',
  'datarace.litmus': 'C datarace\n\n(*\n * Result: Sometimes DATARACE\n *)\n\n{}\n\nP0(int *x)\n{\n\t*x = 1;\n}\n\nP1(int *x)\n{\n\tint r0;\n\n\tr0 = *x;\n}\n\nexists (1:r0=1)\n',
  'deadlock.litmus': 'C deadlock\n\n(*\n * Result: DEADLOCK\n *)\n\n{}\n\nP0(spinlock_t *s)\n{\n\tspin_lock(s);\n\tspin_lock(s);\n}\n\nexists (~s=0)\n',
};

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'herd7-scripts-'));
  mm = join(dir, 'memory-model');
  cpSync(KERNEL_MM, mm, { recursive: true });
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  symlinkSync(join(ROOT, 'bin/litmus-herd7'), join(bin, 'herd7'));
  writeFileSync(join(bin, 'mselect7'), MSELECT7);
  chmodSync(join(bin, 'mselect7'), 0o755);
  mkdirSync(join(mm, 'edge'));
  for (const [name, text] of Object.entries(EDGE)) writeFileSync(join(mm, 'edge', name), text);
  copyFileSync(SLOW, join(mm, 'edge', 'slow.litmus'));
  env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, LKMM_JOBS: '2' };
}, 300_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the kernel scripts with the drop-in as herd7', () => {
  it('checkalllitmus.sh verifies all 35 tests as expected', () => {
    const r = sh('scripts/checkalllitmus.sh');
    expect(r.err).toContain('All litmus tests verified as was expected.');
    expect(r.code).toBe(0);
    expect(r.out.match(/^Observation /gm)).toHaveLength(tests.length);
    expect(r.out).not.toContain('!!!');
  }, 300_000);

  it('checklitmus.sh and checktheselitmus.sh judge the tests they are given', () => {
    const one = sh('scripts/checklitmus.sh', ['litmus-tests/MP+pooncerelease+poacquireonce.litmus'], { LKMM_DESTDIR: '.', LKMM_HERD_OPTIONS: '-conf linux-kernel.cfg' });
    expect(one.out).toMatch(/^Observation MP\+pooncerelease\+poacquireonce Never 0 \d+$/m);
    expect(one.code).toBe(0);
    const these = sh('scripts/checktheselitmus.sh', ['--', 'litmus-tests/SB+poonceonces.litmus', 'litmus-tests/SB+fencembonceonces.litmus']);
    expect(these.err).toContain('All litmus tests verified as was expected.');
    expect(these.out.match(/^Observation /gm)).toHaveLength(2);
  }, 300_000);

  it('the history scripts find an exact output match with herd7 for all 35 tests', () => {
    // A local litmus/ directory whose baseline .out files are herd7's own outputs, as runlitmus.sh writes them.
    mkdirSync(join(mm, 'litmus'));
    for (const t of tests) {
      copyFileSync(join(KERNEL_MM, 'litmus-tests', t), join(mm, 'litmus', t));
      writeFileSync(join(mm, 'litmus', `${t}.out`), `Herd options: -conf linux-kernel.cfg\n${readFileSync(join(HERD_OUTPUTS, `${t}.expected`), 'utf8')}`);
    }
    const r = sh('scripts/checklitmushist.sh', ['--procs', '9']);
    expect(r.out.match(/^Exact output match: /gm)).toHaveLength(tests.length);
    expect(r.err).toContain(`Exact output matches: ${tests.length}`);
    expect(r.code).toBe(0);
    // newlitmushist.sh (through mselect7) reruns what is newer than its output: one touched test.
    writeFileSync(join(mm, 'litmus', tests[0]), readFileSync(join(mm, 'litmus', tests[0])));
    const again = sh('scripts/newlitmushist.sh', ['--procs', '9']);
    expect(again.err).toContain('All runs completed successfully.');
    expect(readFileSync(join(mm, 'litmus', `${tests[0]}.out`), 'utf8')).toContain('Observation ');
  }, 300_000);

  it('handles the edge cases the scripts know: unknown macro, loop, data race, deadlock', () => {
    const r = sh('scripts/checktheselitmus.sh', ['--', ...Object.keys(EDGE).map((n) => `edge/${n}`)]);
    expect(r.out).toContain('!!! Current LKMM version does not know "foo_bar" edge/unknown-macro.litmus');
    expect(r.out).toMatch(/^Observation loop Always \d+ 0$/m);
    expect(readFileSync(join(mm, 'edge/datarace.litmus.out'), 'utf8')).toMatch(/^Flag data-race$/m);
    expect(r.out).toMatch(/^Observation deadlock Never 0 0$/m);
    // Only the unknown macro is a mismatch.
    expect(r.out.match(/!!!/g)).toHaveLength(1);
    expect(r.err).toContain('VERIFICATION MISMATCHES');
  }, 300_000);

  it('reports a test that runs out of time as a timeout', () => {
    const r = sh('scripts/checktheselitmus.sh', ['--timeout', '1s', '--', 'edge/slow.litmus']);
    expect(r.out).toContain(' !!! Timeout edge/slow.litmus');
  }, 300_000);
});
