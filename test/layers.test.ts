// The layers of src/ point one way: a folder imports only folders below it (docs/development.md,
// "Layers"). This test reads every import in src/ and fails on one that points up or sideways.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Bottom to top; a unit may import only units of a lower rank (and itself). */
export const LAYERS: ReadonlyArray<readonly string[]> = [
  ['diagnostics'],
  ['parse'],
  ['lower'],
  ['execution'],
  ['models'],
  ['cat'],
  ['explore'],
  ['judge', 'interleave'],
  ['api'],
  ['check'],
  ['report', 'explain', 'analysis', 'hw'],
  ['fuzz'],
  ['cli', 'web'],
];

const rank = new Map<string, number>(LAYERS.flatMap((units, i) => units.map((u) => [u, i] as const)));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** `parse` for src/parse/lexer.ts, `api` for src/api.ts. */
function unitOf(path: string): string {
  return relative(SRC, path).split(/[\\/]/)[0].replace(/\.(ts|js)$/, '');
}

/** Every relative module an import, export-from or dynamic import names (over several lines too). */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\1/g)) out.push(m[2]);
  return out;
}

/** The units each unit imports (other than itself). */
export function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of files(SRC)) {
    const from = unitOf(file);
    const to = graph.get(from) ?? new Set<string>();
    graph.set(from, to);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const unit = unitOf(normalize(join(dirname(file), spec)));
      if (unit !== from) to.add(unit);
    }
  }
  return graph;
}

export interface DocsLayer {
  rank: number;
  units: string[];
  /** The last column: what the row's units import today. */
  imports: string[];
}

/** The Layers table of docs/development.md: `| 3 | \`judge/\`, \`interleave/\` | ... | lower, parse |`. */
export function docsLayers(markdown: string): DocsLayer[] {
  const section = markdown.split(/^## /m).find((s) => s.startsWith('Layers'));
  if (!section) return [];
  const rows: DocsLayer[] = [];
  for (const line of section.split('\n')) {
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 4 || !/^\d+$/.test(cells[0])) continue;
    const units = [...cells[1].matchAll(/`([^`]+)`/g)].map((m) => m[1].replace(/\/$|\.ts$/, ''));
    const imports = cells[3] === 'nothing' ? [] : cells[3].split(',').map((u) => u.trim());
    rows.push({ rank: Number(cells[0]), units, imports });
  }
  return rows;
}

export function violations(): string[] {
  const bad: string[] = [];
  for (const file of files(SRC)) {
    const from = unitOf(file);
    const r = rank.get(from);
    if (r === undefined) {
      bad.push(`${relative(SRC, file)}: '${from}' has no layer (add it to LAYERS and docs/development.md)`);
      continue;
    }
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      const to = unitOf(normalize(join(dirname(file), spec)));
      if (to === from) continue;
      const t = rank.get(to);
      if (t === undefined || t >= r) bad.push(`${relative(SRC, file)} imports ${spec}: '${from}' may not import '${to}'`);
    }
  }
  return bad;
}

/** Every file of src/ that FILE reaches through its relative imports (FILE included). */
export function reachable(entries: string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...entries];
  while (todo.length) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) todo.push(normalize(join(dirname(file), spec.replace(/\.js$/, '.ts'))));
  }
  return seen;
}

/**
 * The circles of imports between files of src/ (type-only imports count: a circle means two files
 * that cannot be understood apart), each as the files on it; Tarjan's strongly connected components.
 */
export function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).includes(v)) cycles.push(component.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return cycles;
}

/** Each file of src/ (relative, with `/`) and the files of src/ it imports. */
function fileGraph(): Map<string, string[]> {
  const name = (f: string) => relative(SRC, f).split(/[\\/]/).join('/');
  return new Map(
    files(SRC).map((file) => [name(file), importsOf(readFileSync(file, 'utf8')).map((spec) => name(normalize(join(dirname(file), spec.replace(/\.js$/, '.ts')))))]),
  );
}

const NODE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*)(['"])node:[^'"]+\1/;

describe('layers', () => {
  it('nothing the web page or its workers import from src/ imports node:*', () => {
    const web = files(join(SRC, 'web'));
    const reached = reachable(web);
    expect(reached.size).toBeGreaterThan(web.length + 20);
    const withNode = [...reached].filter((f) => NODE_IMPORT.test(readFileSync(f, 'utf8'))).map((f) => relative(SRC, f));
    expect(withNode).toEqual([]);
    // The check sees a Node import where there is one.
    expect(NODE_IMPORT.test("import { join } from 'node:path';")).toBe(true);
    expect([...reachable([join(SRC, 'cli', 'serve.ts')])].some((f) => NODE_IMPORT.test(readFileSync(f, 'utf8')))).toBe(true);
  });

  it('every import in src/ points down', () => {
    expect(violations()).toEqual([]);
  });

  it('no file of src/ imports itself through others', () => {
    expect(importCycles(fileGraph())).toEqual([]);
  });

  it('finds a circle of imports, and only a circle', () => {
    const g = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'x.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts', 'd.ts']],
      ['e.ts', ['a.ts']],
    ]);
    expect(importCycles(g)).toEqual([['a.ts', 'b.ts', 'c.ts'], ['d.ts']]);
  });

  it('sees imports over several lines, type imports and dynamic imports', () => {
    const src = "import {\n  a,\n  b,\n} from '../report/x.js';\nimport type { T } from './y.js';\nconst m = await import('../cli/z.js');\nexport { q } from \"../api.js\";";
    expect(importsOf(src)).toEqual(['../report/x.js', './y.js', '../cli/z.js', '../api.js']);
  });

  it("docs/development.md's table is LAYERS, and says what each row imports today", () => {
    const docs = docsLayers(readFileSync(join(SRC, '..', 'docs', 'development.md'), 'utf8'));
    expect(docs.map((r) => r.rank)).toEqual(LAYERS.map((_, i) => i));
    expect(docs.map((r) => r.units)).toEqual(LAYERS.map((units) => [...units]));
    const graph = importGraph();
    // Row by row, so a failure names the row and the column it should have.
    for (const row of docs) {
      const actual = [...new Set(row.units.flatMap((u) => [...(graph.get(u) ?? [])]))].sort();
      expect({ row: row.units.join(', '), imports: row.imports }).toEqual({ row: row.units.join(', '), imports: actual });
    }
  });

  it('reads the docs table as written', () => {
    const md = '# X\n\n## Layers\n\n| layer | folder | what | imports |\n|---|---|---|---|\n| 0 | `a.ts` | x | nothing |\n| 1 | `b/`, `c/` | y | a, d |\n\n## Next\n\n| 2 | `z/` | q | a |\n';
    expect(docsLayers(md)).toEqual([
      { rank: 0, units: ['a'], imports: [] },
      { rank: 1, units: ['b', 'c'], imports: ['a', 'd'] },
    ]);
  });

  it('the table names every unit of src/ once', () => {
    const units = new Set(files(SRC).map(unitOf));
    expect([...units].filter((u) => !rank.has(u))).toEqual([]);
    expect(LAYERS.flat().length).toBe(rank.size);
  });
});
