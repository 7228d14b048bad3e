// What users expect of a command line: --version, and model choices taken from the registry.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODELS } from '../src/models/index.js';
import { cli, ensureBuilt, ROOT } from './helpers/cli.js';
import { SHARED } from './helpers/corpus.js';

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

describe('file errors and closed pipes', () => {
  it('a file that is missing or unreadable is an error of the file, not of its line 1, column 1', () => {
    for (const command of ['explain', 'fences', 'run']) {
      const r = cli([command, 'no/such/file.litmus', '/dev/zero']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('no/such/file.litmus: error: no such file or directory\n');
      expect(r.stderr).toContain('/dev/zero: error: not a regular file\n');
      expect(r.stderr).not.toMatch(/:1:1: error/);
    }
    // A byte that is not UTF-8 keeps its own position (line 2, column 3).
    const bad = join(mkdtempSync(join(tmpdir(), 'litmus-latin1-')), 'latin1.litmus');
    writeFileSync(bad, Buffer.from('C x\n{ \xe9 }\n', 'latin1'));
    expect(cli(['explain', bad]).stderr).toBe(`${bad}:2:3: error: file is not valid UTF-8 (byte 0xe9)\n`);
  });

  it("fuzz --corpus is parse-total's: another property refuses it rather than ignore it", () => {
    const r = cli(['fuzz', '--property', 'sc-subset', '--corpus', 'litmus/kvm', '--runs', '1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('litmus-check: --corpus is for parse-total (its seed files), not sc-subset\n');
    expect(cli(['fuzz', '--property', 'parse-total', '--corpus', 'litmus/kvm', '--runs', '20', '--seed', '1']).code).toBe(0);
  });

  it.each(['fences', 'run'])('%s --format json | head -1: ends quietly when the reader goes away', async (command) => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(ROOT, 'bin/litmus-check'), command, '--format', 'json', join(SHARED, 'corpus/lkmm-kernel')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // Like head -1: read the first piece, then close the pipe.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled 'error' event/);
    expect(code).toBe(0);
  }, 120_000);
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
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(['@viz-js/viz', 'commander', 'fast-check', 'fast-xml-parser']));
  });
});
