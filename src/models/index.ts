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

export function modelByName(name: string): MemoryModel | undefined {
  return MODELS.get(name.toLowerCase());
}
