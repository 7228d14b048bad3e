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
