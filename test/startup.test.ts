// Start-up of the executables (issue 21): what a one-test process loads, not how long it takes
// (timings belong to `npm run bench`). The oracle is Node's own list of the built-in modules a
// process has loaded (process.moduleLoadList), compared with bare node's.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './helpers/cli.js';

const SMALL = join(ROOT, '../shared/kernel-mm/memory-model/litmus-tests/MP+pooncerelease+poacquireonce.litmus');
const LKMM = join(ROOT, '../shared/models/lkmm');

/** Runs bin/NAME with ARGS in a node that then prints the built-in modules loaded since it began. */
function modulesLoadedBy(name: string, args: string[]) {
  const code = `
    const before = new Set(process.moduleLoadList);
    process.on('exit', () => require('node:fs').writeSync(2, '\\nLOADED ' + JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m))) + '\\n'));
    process.argv = [process.argv[0], ${JSON.stringify(join(ROOT, 'bin', name))}, ...${JSON.stringify(args)}];
    require(process.argv[1]);`;
  const r = spawnSync(process.execPath, ['-e', code], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  const loaded = JSON.parse(/^LOADED (.*)$/m.exec(r.stderr)?.[1] ?? 'null') as string[] | null;
  return { status: r.status, stdout: r.stdout, loaded: (loaded ?? []).map((m) => m.replace(/^(NativeModule|Internal Binding) /, '')) };
}

// Beyond bare node, a one-test process may load vm (the code cache), os (the core count) and the
// process module: nothing of streams, sockets, terminals, child processes, threads or perf_hooks.
const ALLOWED = new Set(['vm', 'os', 'process']);

beforeAll(() => ensureBuilt(), 300_000);

describe('a process deciding one small test', () => {
  it('litmus-herd7 loads no Node module beyond bare node but vm', () => {
    const r = modulesLoadedBy('litmus-herd7', ['-I', LKMM, '-conf', 'linux-kernel.cfg', SMALL]);
    expect(r.stdout).toMatch(/^Observation MP\+pooncerelease\+poacquireonce Never 0 \d+$/m);
    expect(r.loaded.filter((m) => !ALLOWED.has(m))).toEqual([]);
  }, 120_000);

  it.each([['herd'], ['text'], ['json']])('litmus-check run --format %s loads none of the streams, terminals, child processes or threads', (format) => {
    const r = modulesLoadedBy('litmus-check', ['run', '--format', format, SMALL]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('MP+pooncerelease+poacquireonce');
    expect(r.loaded.filter((m) => !ALLOWED.has(m))).toEqual([]);
  }, 120_000);

  it('litmus-check --version prints the version without loading more', () => {
    const r = modulesLoadedBy('litmus-check', ['--version']);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.loaded.filter((m) => !ALLOWED.has(m))).toEqual([]);
  }, 120_000);
});

describe('the code cache', () => {
  it('is made by the build for each bundle and accepted by a run (which would rewrite a rejected one)', () => {
    const dir = join(ROOT, 'dist/bundle');
    const caches = () => Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith('.v8cache')).map((f) => [f, statSync(join(dir, f)).mtimeMs]));
    const before = caches();
    expect(Object.keys(before).map((f) => f.split('.cjs.')[0]).sort()).toEqual(['litmus-check', 'litmus-herd7']);
    expect(modulesLoadedBy('litmus-herd7', ['-conf', 'linux-kernel.cfg', SMALL]).stdout).toContain('Observation');
    expect(modulesLoadedBy('litmus-check', ['run', SMALL]).status).toBe(0);
    expect(caches()).toEqual(before);
  }, 120_000);
});
