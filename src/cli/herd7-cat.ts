// The herd7 drop-in's cat path, loaded only when the model files are not the kernel's LKMM.
import { CatModel, type FileReader } from '../cat/index.js';
import { loadCatModel } from '../api.js';
import { formatDiagnostic } from '../diagnostics.js';
import type { LowerOptions } from '../lower/lower.js';

export interface CatFiles {
  cat: string;
  bell?: string;
  macros?: string;
  variants: string[];
}

export class CatLoadError extends Error {}

/** The cat model of these files, without the checks `-skipchecks` names (herd7's option). */
export function loadCatWithout(files: CatFiles, read: FileReader, skipchecks: readonly string[]): { model: CatModel; lower: LowerOptions } {
  const res = loadCatModel({ cat: files.cat, bell: files.bell, macros: files.macros, variants: files.variants }, read);
  if (!res.ok) throw new CatLoadError(res.diagnostics.map((d) => formatDiagnostic(d, read(d.file) ?? undefined)).join('\n'));
  let model = res.loaded.model;
  if (skipchecks.length > 0) {
    const skip = new Set(skipchecks);
    const steps = model.compiled.steps.filter((s) => !(s.k === 'test' && s.flavour === 'check' && s.name != null && skip.has(s.name)));
    model = new CatModel(model.name, model.description, { ...model.compiled, steps });
  }
  const primitives = res.loaded.primitives;
  return { model, lower: primitives ? { primitives } : {} };
}
