// One meaning per annotation: what an annotation means is src/lower/annotations.ts's table, so no
// other file may compare an annotation with a name ('MB', 'srcu-unlock', ...). This test reads
// src/ with the TypeScript compiler and fails on a comparison (===, !==, a `case`, a Set of names)
// between an annotation-typed value and an annotation name. Producing an annotation (a primitive
// emitting `ann: 'MB'`) is declaring it, and allowed; reading the table by name is too.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ACCESSES, FENCES } from '../src/lower/annotations.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');
const TABLE = join(SRC, 'lower', 'annotations.ts');

/** Every annotation name but a plain access's '' (an empty string is compared for other reasons). */
const NAMES: ReadonlySet<string> = new Set([...Object.keys(FENCES), ...Object.keys(ACCESSES)].filter((n) => n !== ''));
const ANN_TYPES = new Set(['Ann', 'KnownAnn', 'FenceAnn', 'AccessAnn', 'UserAnn']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const nameLiteral = (e: ts.Node): e is ts.StringLiteralLike => ts.isStringLiteralLike(e) && NAMES.has(e.text);

/** Whether an expression holds an annotation: typed as one, or an `ann` field or variable. */
function annotationValued(e: ts.Expression, checker: ts.TypeChecker): boolean {
  if (/(^|\.)ann$/.test(e.getText())) return true;
  const t = checker.getTypeAtLocation(e);
  const alias = (x: ts.Type) => x.aliasSymbol !== undefined && ANN_TYPES.has(x.aliasSymbol.name);
  return alias(t) || (t.isUnion() && t.types.some(alias));
}

/** Every comparison of an annotation with a name in the given files: "file:line: text". */
export function annotationComparisons(paths: string[]): string[] {
  const program = ts.createProgram(paths, { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, skipLibCheck: true });
  const checker = program.getTypeChecker();
  const found: string[] = [];
  for (const path of paths) {
    const sf = program.getSourceFile(path);
    if (!sf) continue;
    const report = (n: ts.Node) => found.push(`${relative(ROOT, path)}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1}: ${n.getText().slice(0, 100)}`);
    const visit = (n: ts.Node): void => {
      if (ts.isBinaryExpression(n) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken, ts.SyntaxKind.EqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsToken].includes(n.operatorToken.kind)) {
        const [lit, other] = nameLiteral(n.right) ? [n.right, n.left] : nameLiteral(n.left) ? [n.left, n.right] : [null, null];
        if (lit && other && annotationValued(other, checker)) report(n);
      }
      if (ts.isCaseClause(n) && nameLiteral(n.expression) && annotationValued(n.parent.parent.expression, checker)) report(n.expression);
      // A set of names to test membership with (`new Set(['ONCE', 'ACQUIRE'])`).
      if (ts.isNewExpression(n) && n.expression.getText() === 'Set' && n.arguments?.[0] && ts.isArrayLiteralExpression(n.arguments[0]) && n.arguments[0].elements.some(nameLiteral)) report(n);
      ts.forEachChild(n, visit);
    };
    visit(sf);
  }
  return found;
}

describe('annotation names', () => {
  it('are compared nowhere outside the annotation table', () => {
    const outside = files(SRC).filter((p) => p !== TABLE);
    expect(annotationComparisons(outside)).toEqual([]);
  }, 120_000);

  it('the check finds a comparison, a case and a set of names (it can fail)', () => {
    const probe = join(ROOT, 'test', 'fixtures', 'annotation-compare.ts');
    const found = annotationComparisons([probe]);
    expect(found.map((f) => f.replace(/^.*?:(\d+):.*$/, '$1'))).toEqual(['7', '8', '10', '14']);
  }, 120_000);
});
