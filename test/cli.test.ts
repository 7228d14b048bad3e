// What users expect of a command line: --version, and model choices taken from the registry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../src/models/index.js';
import { cli, ensureBuilt, ROOT } from './helpers/cli.js';

beforeAll(() => ensureBuilt());

describe('the command line', () => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  it.each(['--version', '-V'])('%s prints the package version and exits 0', (flag) => {
    const r = cli([flag]);
    expect(r).toMatchObject({ code: 0, stdout: `${version}\n`, stderr: '' });
  });

  it.each(['run', 'check', 'fences', 'explain', 'fuzz'])('%s offers the registry models', (command) => {
    const help = cli([command, '--help']).stdout.replace(/\s+/g, ' ');
    expect(help).toContain(`choices: ${[...MODELS.keys()].map((m) => `"${m}"`).join(', ')}`);
  });
});

describe('the npm package', () => {
  it('ships the executable, the compiled library, docs and examples, and no tests or sources', async () => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync('npm', ['pack', '--dry-run', '--ignore-scripts', '--json'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(0);
    const files = (JSON.parse(r.stdout) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/litmus-check', 'bin/litmus-herd7', 'bin/load.cjs', 'bin/package.json', 'dist/cli/main.js', 'dist/api.js', 'package.json', 'README.md', 'litmus/kvm/dekker+mbs.litmus']));
    expect(files.filter((f) => /^(test|src|bench|scripts)\//.test(f) || f.endsWith('.ts'))).toEqual([]);
    // Everything the installed package imports at run time is a dependency, not a devDependency.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['@viz-js/viz', 'chalk', 'commander', 'fast-check', 'fast-xml-parser']));
  });
});
