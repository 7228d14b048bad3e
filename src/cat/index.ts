// Bring your own model: read a cat model (and optionally its macros) from herd7-style files.
// Running it once on a small test, to report its mistakes at load time, is api.ts's loadCatModel:
// this folder sits beside models/, below the pipeline that can run a test.
import { basename } from './paths.js';
import type { Diagnostic } from '../diagnostics.js';
import type { PrimitiveSpec } from '../lower/primitives.js';
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

/** The model the files describe, compiled but not yet run (api.ts's loadCatModel also runs it once). */
export function readCatModel(req: ModelRequest, read: FileReader): LoadResult {
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
    const primitives = files.macros ? parseMacros(mustRead(files.macros, read), files.macros) : null;
    return { ok: true, loaded: { model, primitives, files } };
  } catch (e) {
    if (e instanceof CatError) return { ok: false, diagnostics: [e.diagnostic] };
    throw e;
  }
}
