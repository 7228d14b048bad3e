// Bring your own model: load a cat model (and optionally its macros) from herd7-style files.
import { basename } from './paths.js';
import type { Diagnostic } from '../diagnostics.js';
import type { PrimitiveSpec } from '../lower/primitives.js';
import { decideSource } from '../api.js';
import { compileModel } from './program.js';
import { CatError } from './errors.js';
import { loadInstructions, mustRead, readConfig, type FileReader, type ModelFiles } from './loader.js';
import { parseMacros } from './macros.js';
import { CatModel } from './model.js';

export type { FileReader, ModelFiles } from './loader.js';
export { CatModel } from './model.js';

export interface ModelRequest {
  /** A herd7 configuration file: its model, bell, macros and variant lines. */
  conf?: string;
  /** Or the files themselves (these override the configuration's). */
  cat?: string;
  bell?: string;
  macros?: string;
  /** Extra variants (added to the configuration's). */
  variants?: string[];
}

export interface LoadedModel {
  model: CatModel;
  /** The primitives the macros file defines, for lowering; null when no macros file was given. */
  primitives: ReadonlyMap<string, PrimitiveSpec> | null;
  files: ModelFiles;
}

export type LoadResult = { ok: true; loaded: LoadedModel } | { ok: false; diagnostics: Diagnostic[] };

export function loadCatModel(req: ModelRequest, read: FileReader): LoadResult {
  try {
    const fromConf: ModelFiles | null = req.conf ? readConfig(req.conf, read) : null;
    const cat = req.cat ?? fromConf?.cat;
    if (!cat) return { ok: false, diagnostics: [{ file: req.conf ?? '<options>', line: 1, col: 1, severity: 'error', message: 'no model: give --conf FILE.cfg or --cat FILE.cat' }] };
    const files: ModelFiles = {
      cat,
      bell: req.bell ?? fromConf?.bell,
      macros: req.macros ?? fromConf?.macros,
      variants: [...(fromConf?.variants ?? []), ...(req.variants ?? [])],
    };
    const { instrs, title } = loadInstructions(files, read);
    const compiled = compileModel(instrs, new Set(files.variants));
    const name = basename(req.conf ?? cat);
    const model = new CatModel(name, title ?? `cat model ${basename(cat)}`, compiled);
    validate(model);
    const primitives = files.macros ? parseMacros(mustRead(files.macros, read), files.macros) : null;
    return { ok: true, loaded: { model, primitives, files } };
  } catch (e) {
    if (e instanceof CatError) return { ok: false, diagnostics: [e.diagnostic] };
    throw e;
  }
}

/** A small test with reads, writes, fences, an RMW, a plain access and a lock. */
const VALIDATION_TEST = `C model-file-check
{}
P0(int *x, int *y, spinlock_t *s) { int r0; WRITE_ONCE(*x, 1); smp_mb(); r0 = READ_ONCE(*y); spin_lock(s); *x = 2; spin_unlock(s); }
P1(int *x, int *y) { int r1; int r2; r1 = xchg(y, 1); smp_wmb(); r2 = smp_load_acquire(x); }
exists (0:r0=0 /\\ 1:r2=0)
`;

/** Runs the model on VALIDATION_TEST, so most mistakes in model files show once, at load time. */
function validate(model: CatModel): void {
  const res = decideSource(VALIDATION_TEST, 'model-file-check.litmus', { model, maxExecutions: 200 });
  if (!res.ok) {
    const d = res.diagnostics[0];
    if (d.file !== 'model-file-check.litmus') throw new CatError({ file: d.file, line: d.line, col: d.col }, d.message);
  }
}
