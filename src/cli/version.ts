// The package's version, on its own so that a start-up path (the herd7 drop-in) need not load commander.
import { createRequire } from 'node:module';

/** The package's version, from its package.json (two levels above dist/cli/ and src/cli/). */
export function packageVersion(): string {
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  return pkg.version;
}
