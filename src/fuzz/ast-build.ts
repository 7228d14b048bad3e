// Small constructors for litmus ASTs, so generators read like the C they produce.
import type { SourcePos } from '../diagnostics.js';
import type { Expr, LitmusTest, Observable, Param, Prop, Stmt, ThreadDecl } from '../parse/ast.js';

/** Generated trees have no source; the printer ignores positions and comparisons strip them. */
export const NOWHERE: SourcePos = { line: 1, col: 1 };

export const num = (value: number): Expr => ({ k: 'num', value, pos: NOWHERE });
export const ident = (name: string): Expr => ({ k: 'ident', name, pos: NOWHERE });
export const deref = (arg: Expr): Expr => ({ k: 'unary', op: '*', arg, pos: NOWHERE });
export const addrOf = (arg: Expr): Expr => ({ k: 'unary', op: '&', arg, pos: NOWHERE });
export const call = (callee: string, ...args: Expr[]): Expr => ({ k: 'call', callee, args, pos: NOWHERE });
export const binary = (op: Extract<Expr, { k: 'binary' }>['op'], left: Expr, right: Expr): Expr => ({ k: 'binary', op, left, right, pos: NOWHERE });
export const arrow = (object: string, field: string): Expr => ({ k: 'member', object: ident(object), field, arrow: true, pos: NOWHERE });

export const exprStmt = (expr: Expr): Stmt => ({ k: 'expr', expr, pos: NOWHERE });
export const assign = (reg: string, value: Expr): Stmt => exprStmt({ k: 'assign', op: '=', target: ident(reg), value, pos: NOWHERE });
export const store = (target: Expr, value: Expr): Stmt => exprStmt({ k: 'assign', op: '=', target, value, pos: NOWHERE });
export const declInt = (name: string): Stmt => ({ k: 'decl', type: { base: 'int', stars: 0 }, name, pos: NOWHERE });
export const block = (body: Stmt[]): Stmt => ({ k: 'block', body, pos: NOWHERE });
export const ifStmt = (cond: Expr, then: Stmt[], els: Stmt[] | null): Stmt => ({
  k: 'if', cond, then: [block(then)], else: els === null ? null : [block(els)], pos: NOWHERE,
});

export const param = (base: string, name: string, stars = 1): Param => ({ type: { base, stars }, name, pos: NOWHERE });
export const thread = (index: number, params: Param[], body: Stmt[]): ThreadDecl => ({ index, params, body, pos: NOWHERE });

export const regObs = (thread: number, reg: string): Observable => ({ k: 'reg', thread, reg, pos: NOWHERE });
export const memObs = (name: string): Observable => ({ k: 'mem', name, pos: NOWHERE });
export const eq = (lhs: Observable, value: number | string, negated = false): Prop => ({
  k: 'eq', lhs, rhs: typeof value === 'number' ? { k: 'int', value } : { k: 'sym', name: value }, negated, pos: NOWHERE,
});
export function conjunction(props: Prop[]): Prop {
  if (props.length === 0) return { k: 'true' };
  return props.reduce((left, right) => ({ k: 'and', left, right }));
}

export function litmusTest(name: string, parts: Omit<LitmusTest, 'file' | 'arch' | 'name' | 'expected' | 'locations' | 'filter'> & Partial<LitmusTest>): LitmusTest {
  return { file: `${name}.litmus`, arch: 'C', name, expected: null, locations: [], filter: null, ...parts };
}
