// Running the real command line (bin/litmus-check runs the compiled dist/), rebuilding dist/
// first when a source file is newer than its compiled output.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
const BIN = join(ROOT, 'bin/litmus-check');

function staleSources(dir = join(ROOT, 'src')): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...staleSources(p));
    else if (name.endsWith('.ts')) {
      const js = join(ROOT, 'dist', p.slice(join(ROOT, 'src').length).replace(/\.ts$/, '.js'));
      if (!existsSync(js) || statSync(js).mtimeMs < statSync(p).mtimeMs) out.push(p);
    }
  }
  return out;
}

export function ensureBuilt(): void {
  if (staleSources().length === 0) return;
  const r = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', ROOT], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}${r.stderr}`);
  // The executables run the bundle (npm run build's second step) when it is as new as tsc's output.
  const b = spawnSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs')], { encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`bundle failed:\n${b.stdout}${b.stderr}`);
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function cli(args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}): CliRun {
  const started = Date.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}
