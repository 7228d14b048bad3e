// `npm run prepare` (run by `npm ci`, `npm pack`, and by `npx litmus-check` inside this repository,
// which installs the project into npm's npx cache and so runs its prepare script on first use).
// It must therefore be fast when nothing changed, and safe while another process runs dist/:
// - dist/ is up to date (no source newer than its stamp): do nothing;
// - otherwise compile into a fresh folder beside dist/, move each file into place with rename
//   (atomic: a running process sees the old or the new file, never none), then remove the files
//   no longer produced. dist/ itself is never deleted.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');

function files(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

const inputs = [...files(join(root, 'src')), join(root, 'tsconfig.json'), join(root, 'package.json'), join(root, 'scripts/bundle.mjs')];
const newest = Math.max(...inputs.map((f) => statSync(f).mtimeMs));
if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest && !process.argv.includes('--force')) process.exit(0);

const tmp = mkdtempSync(join(root, '.tmp-dist-'));
try {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--outDir', tmp], { stdio: 'inherit' });
  // The executables' bundles (scripts/bundle.mjs), written after tsc's output so that they are newer.
  execFileSync(process.execPath, [join(root, 'scripts/bundle.mjs'), join(tmp, 'bundle')], { stdio: 'inherit' });
  const built = files(tmp).map((f) => relative(tmp, f));
  for (const rel of built) {
    mkdirSync(dirname(join(dist, rel)), { recursive: true });
    renameSync(join(tmp, rel), join(dist, rel));
  }
  const keep = new Set([...built, '.build-stamp']);
  for (const f of files(dist)) if (!keep.has(relative(dist, f))) rmSync(f, { force: true });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
