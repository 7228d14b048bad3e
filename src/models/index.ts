// The model registry: every model the CLI and the library can name.
import { lkmm } from './lkmm.js';
import type { MemoryModel } from './model.js';
import { sc } from './sc.js';
import { tso } from './tso.js';

export const MODELS: ReadonlyMap<string, MemoryModel> = new Map([
  ['lkmm', lkmm],
  ['sc', sc],
  ['tso', tso],
]);

/** The model a command uses without --model: the kernel's. */
export const DEFAULT_MODEL: MemoryModel = lkmm;

export function modelByName(name: string): MemoryModel | undefined {
  return MODELS.get(name.toLowerCase());
}
