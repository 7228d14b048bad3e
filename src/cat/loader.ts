// Reading a model: the .cfg file (as herd7 reads linux-kernel.cfg), the bell and cat files with
// their includes, and the macros. File access goes through an injected reader so this stays
// pure; the CLI passes one that reads the file system.
import { dirname, isAbsolute, join } from './paths.js';
import type { CatPos, Instr } from './ast.js';
import { variantHolds } from './constructs.js';
import { CatError } from './errors.js';
import { LIBRARY } from './library.js';
import { parseCat } from './parser.js';

/** Returns a file's text, or null when it does not exist. */
export type FileReader = (path: string) => string | null;

export interface ModelFiles {
  /** The .cat file (herd7's `model`). */
  cat: string;
  /** The .bell file, run before the cat file. */
  bell?: string;
  /** The .def file of primitives. */
  macros?: string;
  variants: string[];
}

const MAX_INCLUDE_DEPTH = 32;

/** Reads FILE.cfg's `model`, `bell`, `macros` and `variant` lines; paths are relative to it. */
export function readConfig(path: string, read: FileReader): ModelFiles {
  const text = read(path);
  if (text === null) throw new CatError({ file: path, line: 1, col: 1 }, 'cannot read the configuration file');
  const dir = dirname(path);
  let cat: string | null = null;
  let bell: string | undefined;
  let macros: string | undefined;
  const variants: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (line === '') return;
    const m = /^(\S+)\s+(.*)$/.exec(line);
    const pos: CatPos = { file: path, line: i + 1, col: 1 };
    if (!m) return;
    const [, key, value] = m;
    const file = () => {
      if (value.trim() === '') throw new CatError(pos, `'${key}' needs a file name`);
      const name = value.trim();
      return isAbsolute(name) ? name : join(dir, name);
    };
    if (key === 'model') cat = file();
    else if (key === 'bell') bell = file();
    else if (key === 'macros') macros = file();
    else if (key === 'variant') variants.push(...value.split(/[\s,]+/).filter(Boolean));
    // Other lines (graph, showevents, fontsize, ...) only concern herd7's pictures.
  });
  if (cat === null) throw new CatError({ file: path, line: 1, col: 1 }, "the configuration names no model (a 'model FILE.cat' line)");
  return { cat, bell, macros, variants };
}

/** The model's instructions: stdlib, then the bell, then the cat file, includes expanded. */
export function loadInstructions(files: ModelFiles, read: FileReader): { instrs: Instr[]; title: string | null } {
  const variants = new Set(files.variants);
  const out: Instr[] = [];
  const expand = (instrs: Instr[], from: string, depth: number) => {
    for (const i of instrs) {
      if (i.k === 'include') {
        if (depth >= MAX_INCLUDE_DEPTH) throw new CatError(i.pos, `includes nested more than ${MAX_INCLUDE_DEPTH} deep (an include cycle?)`);
        const f = findInclude(i.file, from, read, i.pos);
        expand(f.instrs, f.path, depth + 1);
      } else if (i.k === 'ifvariant') {
        // Variants are fixed for a run, so only the chosen branch is kept (its includes too).
        const held = variantHolds(i.cond, variants);
        expand(held ? i.then : i.else, from, depth);
      } else out.push(i);
    }
  };
  expand(parseCat(LIBRARY.get('stdlib.cat')!, 'stdlib.cat').instrs, 'stdlib.cat', 0);
  if (files.bell) {
    const bell = parseCat(mustRead(files.bell, read), files.bell);
    expand(bell.instrs, files.bell, 0);
  }
  const cat = parseCat(mustRead(files.cat, read), files.cat);
  expand(cat.instrs, files.cat, 0);
  return { instrs: out, title: cat.title };
}

export function mustRead(path: string, read: FileReader): string {
  const text = read(path);
  if (text === null) throw new CatError({ file: path, line: 1, col: 1 }, 'cannot read this model file');
  return text;
}

/** herd7's search order: beside the including file, then the standard library. */
function findInclude(name: string, from: string, read: FileReader, pos: CatPos): { path: string; instrs: Instr[] } {
  const beside = isAbsolute(name) ? name : join(dirname(from), name);
  const text = from === 'stdlib.cat' || LIBRARY.has(from) ? null : read(beside);
  if (text !== null) return { path: beside, instrs: parseCat(text, beside).instrs };
  const lib = LIBRARY.get(name);
  if (lib !== undefined) return { path: name, instrs: parseCat(lib, name).instrs };
  throw new CatError(pos, `cannot find "${name}" (looked beside ${from} and in the standard library: ${[...LIBRARY.keys()].join(', ')})`);
}
