// --conf, --cat, --bell, --macros and --variant: run a model given as herd7 files instead of a
// built-in one. The options are global (before or after the subcommand), as in
// `litmus-check --conf linux-kernel.cfg run --format herd tests/`.
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { loadCatModel, type ModelRequest } from '../api.js';
import { formatDiagnostic } from '../diagnostics.js';
import type { LowerOptions } from '../lower/lower.js';
import type { MemoryModel } from '../models/model.js';

export interface ModelFileOptions {
  conf?: string;
  cat?: string;
  bell?: string;
  macros?: string;
  variant?: string[];
}

/** A model read from files, ready for DecideOptions.model and DecideOptions.lower. */
export interface CustomModel {
  model: MemoryModel;
  lower: LowerOptions;
}

function collectVariants(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

export function addModelFileOptions(cmd: Command): Command {
  return cmd
    .option('--conf <file.cfg>', "a herd7 configuration: its 'model', 'bell', 'macros' and 'variant' lines (e.g. linux-kernel.cfg)")
    .option('--cat <file.cat>', 'a memory model in the cat language (includes are looked up beside it)')
    .option('--bell <file.bell>', 'a bell file run before the cat model')
    .option('--macros <file.def>', 'primitives defined as herd7 macros (e.g. linux-kernel.def)')
    .option('--variant <names>', 'model variants to enable, comma-separated (repeatable)', collectVariants);
}

export function wantsModelFiles(o: ModelFileOptions): boolean {
  return o.conf !== undefined || o.cat !== undefined || o.bell !== undefined || o.macros !== undefined || o.variant !== undefined;
}

/** The file system, for the model loader (which itself never touches it). */
function readModelFile(path: string): string | null {
  try {
    if (!existsSync(path) || !statSync(path).isFile()) return null;
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Loads the model the options name. Returns null when none is named; prints the model file's
 * diagnostics and returns 'error' when it cannot be loaded (the caller exits with 2).
 */
export function loadModelFromOptions(o: ModelFileOptions, explicitModelFlag = false): CustomModel | null | 'error' {
  if (!wantsModelFiles(o)) return null;
  if (explicitModelFlag) {
    process.stderr.write('litmus-check: --model cannot be combined with --conf, --cat, --bell, --macros or --variant\n');
    return 'error';
  }
  if (o.conf === undefined && o.cat === undefined) {
    process.stderr.write('litmus-check: --bell, --macros and --variant need a model: give --conf FILE.cfg or --cat FILE.cat\n');
    return 'error';
  }
  const req: ModelRequest = { conf: o.conf, cat: o.cat, bell: o.bell, macros: o.macros, variants: o.variant };
  const res = loadCatModel(req, readModelFile);
  if (!res.ok) {
    for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d, readModelFile(d.file) ?? undefined) + '\n');
    return 'error';
  }
  const primitives = res.loaded.primitives;
  return { model: res.loaded.model, lower: primitives ? { primitives } : {} };
}
