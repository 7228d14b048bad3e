// What every command checks about its inputs before deciding anything, said the same way.
import { resolveModel, unknownModelMessage } from '../api.js';
import { EXIT_BAD_INPUT } from './exit-codes.js';
import { collectLitmusFiles } from './files.js';

/** False (after saying so on stderr) when the model name is not one we know. */
export function knownModel(name: string): boolean {
  if (resolveModel(name)) return true;
  process.stderr.write(`litmus-check: ${unknownModelMessage(name)}\n`);
  return false;
}

export interface Inputs {
  files: string[];
  /** Paths that do not exist (or cannot be entered): the others still run. */
  missing: string[];
  /** An exit code 2 for each missing path. */
  codes: number[];
}

/**
 * The .litmus files under `paths`, and the paths that do not exist (each said on stderr unless
 * the command reports them its own way: `check`'s ERROR lines); null when there is nothing at
 * all to run.
 */
export function gatherInputs(paths: string[], sayMissing = true): Inputs | null {
  const { files, missing } = collectLitmusFiles(paths);
  const codes: number[] = [];
  for (const m of missing) {
    if (sayMissing) process.stderr.write(`${m}: error: no such file or directory\n`);
    codes.push(EXIT_BAD_INPUT);
  }
  if (files.length === 0 && missing.length === 0) {
    process.stderr.write('litmus-check: no .litmus files found\n');
    return null;
  }
  return { files, missing, codes };
}
