// The size of the rooms: no file in src/ over 600 lines and no function over 80 (issue #23). A
// long function is usually several ideas in one; this test finds them. It measures with the
// TypeScript compiler's own parser, so a function is what TypeScript says is one: a declaration,
// a method, an accessor, a constructor, an arrow function or a function expression. A function's
// lines run from its first line to its last, closures inside it included.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

export const MAX_FILE_LINES = 600;
export const MAX_FUNCTION_LINES = 80;

/**
 * Table-like data, allowed to be long: `path` (relative to src/, with `/`) and the function's name,
 * or `path` alone for a whole file. Each entry says why; keep this list short.
 */
const TABLES: ReadonlyArray<{ path: string; name?: string; why: string }> = [];

export interface Measure {
  /** Relative to src/, with `/`. */
  path: string;
  /** `generateC`, `Parser.instr`, `(arrow in interleave)`... */
  name: string;
  line: number;
  lines: number;
}

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Lines of a file as an editor counts them (a final newline ends the last line, opens none). */
export function fileLines(text: string): number {
  if (text === '') return 0;
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

function nameOf(node: ts.Node, sf: ts.SourceFile): string | undefined {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name && (ts.isIdentifier(named.name) || ts.isPrivateIdentifier(named.name) || ts.isStringLiteral(named.name))) {
    return named.name.text;
  }
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  // `const f = () => ...`, `{ key: function () {...} }`
  const parent = node.parent;
  if (parent && ts.isVariableDeclaration(parent) && ts.isIdentifier(parent.name)) return parent.name.text;
  if (parent && ts.isPropertyAssignment(parent)) return parent.name.getText(sf);
  if (parent && ts.isPropertyDeclaration(parent)) return parent.name.getText(sf);
  return undefined;
}

/** Every function of a source text, with its length in lines. */
export function measureFunctions(path: string, text: string): Measure[] {
  const sf = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Measure[] = [];
  const visit = (node: ts.Node, outer: string | undefined): void => {
    let scope = outer;
    if (ts.isClassLike(node) && node.name) scope = node.name.text;
    if (ts.isFunctionLike(node) && 'body' in node && node.body) {
      const own = nameOf(node, sf);
      const name = own === undefined ? `(function in ${outer ?? 'top level'})` : outer && !ts.isFunctionDeclaration(node) && (ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isAccessor(node)) ? `${outer}.${own}` : own;
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      out.push({ path, name, line: first + 1, lines: last - first + 1 });
      scope = name;
    }
    ts.forEachChild(node, (child) => visit(child, scope));
  };
  visit(sf, undefined);
  return out;
}

function allowed(list: ReadonlyArray<{ path: string; name?: string }>, path: string, name?: string): boolean {
  return list.some((e) => e.path === path && (e.name === undefined || e.name === name));
}

/** What is too long in src/, as lines a reader can act on. */
export function offenders(): string[] {
  const bad: string[] = [];
  for (const file of files(SRC)) {
    const path = relative(SRC, file).split(/[\\/]/).join('/');
    const text = readFileSync(file, 'utf8');
    const n = fileLines(text);
    if (n > MAX_FILE_LINES && !allowed(TABLES, path)) bad.push(`${path}: ${n} lines (the most is ${MAX_FILE_LINES})`);
    for (const f of measureFunctions(path, text)) {
      if (f.lines <= MAX_FUNCTION_LINES || allowed(TABLES, path, f.name)) continue;
      bad.push(`${path}:${f.line} ${f.name}: ${f.lines} lines (the most is ${MAX_FUNCTION_LINES})`);
    }
  }
  return bad;
}

describe('sizes', () => {
  it(`no file in src/ over ${MAX_FILE_LINES} lines, no function over ${MAX_FUNCTION_LINES}`, () => {
    const bad = offenders();
    expect(bad, `too long:\n${bad.join('\n')}`).toEqual([]);
  });

  it('measures every kind of function, closures inside their outer function', () => {
    const src = [
      'function top(a: number) {', //  1
      '  const inner = (b: number) => {', //  2
      '    return b;', //  3
      '  };', //  4
      '  return inner(a);', //  5
      '}', //  6
      'class K {', //  7
      '  constructor() {}', //  8
      '  method(): void {', //  9
      '    [1].map(function (x) { return x; });', // 10
      '  }', // 11
      '  get g(): number { return 1; }', // 12
      '}', // 13
      'const obj = { key() { return 2; }, fn: function () { return 3; } };', // 14
      'declare function bodiless(): void;', // 15
    ].join('\n');
    const got = measureFunctions('x.ts', src).map((m) => `${m.name}@${m.line}+${m.lines}`);
    expect(got).toEqual(['top@1+6', 'inner@2+3', 'K.constructor@8+1', 'K.method@9+3', '(function in K.method)@10+1', 'K.g@12+1', 'key@14+1', 'fn@14+1']);
  });

  it('counts lines as an editor does', () => {
    expect(fileLines('')).toBe(0);
    expect(fileLines('a')).toBe(1);
    expect(fileLines('a\n')).toBe(1);
    expect(fileLines('a\nb\n')).toBe(2);
    expect(fileLines('a\n\nb')).toBe(3);
  });

  it('every allowance names a file of src/ and a function in it that is still too long', () => {
    for (const e of TABLES) {
      const file = join(SRC, e.path);
      const text = readFileSync(file, 'utf8');
      if (e.name === undefined) expect(fileLines(text), e.path).toBeGreaterThan(MAX_FILE_LINES);
      else expect(measureFunctions(e.path, text).filter((f) => f.name === e.name && f.lines > MAX_FUNCTION_LINES).length, `${e.path} ${e.name}`).toBeGreaterThan(0);
    }
  });
});
