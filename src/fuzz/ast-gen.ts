// Random litmus ASTs in the parser's image (every tree the parser could have produced), for the
// print-then-parse property. Broader than the program generator: casts, ternaries, members,
// every init-item form, any proposition, but not necessarily meaningful programs.
import fc from 'fast-check';
import type { CondValue, Condition, Expr, ExpectedResult, InitItem, LitmusTest, Observable, Prop, Quantifier, Stmt, ThreadDecl, TypeName } from '../parse/ast.js';
import { NOWHERE } from './ast-build.js';

const REGS = ['r0', 'r1', 'r2', 'tmp'];
const LOCS = ['x', 'y', 'z', 'p', 'vcpu'];
const CALLEES = ['READ_ONCE', 'WRITE_ONCE', 'smp_mb', 'xchg', 'f'];
const FIELDS = ['mode', 'requests'];
const CODE_TYPES: TypeName[] = [
  { base: 'int', stars: 0 }, { base: 'int', stars: 1 }, { base: 'unsigned long', stars: 0 },
  { base: 'struct kvm_vcpu', stars: 1 }, { base: 'intptr_t', stars: 0 }, { base: 'u8', stars: 2 },
];
const PARAM_TYPES: TypeName[] = [
  { base: 'int', stars: 1 }, { base: 'volatile int', stars: 1 }, { base: 'spinlock_t', stars: 1 },
  { base: 'atomic_t', stars: 1 }, { base: 'int', stars: 2 }, { base: 'struct kvm_vcpu', stars: 1 }, { base: 'intptr_t', stars: 1 },
];

const name = fc.constantFrom(...REGS, ...LOCS);
const BINARY_OPS = ['+', '-', '*', '/', '%', '<<', '>>', '&', '|', '^', '==', '!=', '<', '>', '<=', '>=', '&&', '||'] as const;
const UNARY_OPS = ['-', '+', '!', '~', '*', '&'] as const;

/** Expressions without assignments (those only appear at the top of a statement). */
export const exprArb: fc.Arbitrary<Expr> = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.nat(300).map((value): Expr => ({ k: 'num', value, pos: NOWHERE })),
    name.map((n): Expr => ({ k: 'ident', name: n, pos: NOWHERE })),
    fc.tuple(fc.constantFrom(...UNARY_OPS), tie('expr')).map(([op, arg]): Expr => ({ k: 'unary', op, arg, pos: NOWHERE })),
    fc.tuple(fc.constantFrom(...BINARY_OPS), tie('expr'), tie('expr')).map(([op, left, right]): Expr => ({ k: 'binary', op, left, right, pos: NOWHERE })),
    fc.tuple(fc.constantFrom(...CALLEES), fc.array(tie('expr'), { maxLength: 3 })).map(([callee, args]): Expr => ({ k: 'call', callee, args, pos: NOWHERE })),
    fc.tuple(fc.constantFrom(...CODE_TYPES), tie('expr')).map(([type, arg]): Expr => ({ k: 'cast', type, arg, pos: NOWHERE })),
    fc.tuple(tie('expr'), fc.constantFrom(...FIELDS), fc.boolean()).map(([object, field, arrow]): Expr => ({ k: 'member', object, field, arrow, pos: NOWHERE })),
    fc.tuple(tie('expr'), tie('expr'), tie('expr')).map(([cond, then, els]): Expr => ({ k: 'ternary', cond, then, else: els, pos: NOWHERE })),
  ),
})).expr;

const assignOps = fc.constantFrom('=', '+=', '-=', '&=', '|=', '^=') as fc.Arbitrary<Extract<Expr, { k: 'assign' }>['op']>;

const simpleStmt: fc.Arbitrary<Stmt> = fc.oneof(
  exprArb.map((expr): Stmt => ({ k: 'expr', expr, pos: NOWHERE })),
  fc.tuple(exprArb, assignOps, exprArb).map(([target, op, value]): Stmt => ({ k: 'expr', expr: { k: 'assign', op, target, value, pos: NOWHERE }, pos: NOWHERE })),
  fc.tuple(fc.constantFrom(...CODE_TYPES), fc.constantFrom(...REGS), fc.option(exprArb, { nil: undefined })).map(
    ([type, n, init]): Stmt => (init === undefined ? { k: 'decl', type, name: n, pos: NOWHERE } : { k: 'decl', type, name: n, init, pos: NOWHERE }),
  ),
);

/** Whether a branch ends in an `if` without `else`, which would take a following `else`. */
function endsWithOpenIf(branch: Stmt[]): boolean {
  const last = branch.length === 1 ? branch[0] : undefined;
  if (last?.k === 'loop') return last.kind !== 'do' && endsWithOpenIf(last.body);
  if (!last || last.k !== 'if') return false;
  return last.else === null || endsWithOpenIf(last.else);
}

/** Statements; an `if` with an else never has a bare else-less `if` as its then-branch (C's dangling else). */
const stmtArb: fc.Arbitrary<Stmt> = fc.letrec<{ stmt: Stmt; branch: Stmt[] }>((tie) => ({
  stmt: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    simpleStmt,
    fc.array(tie('stmt'), { maxLength: 3 }).map((body): Stmt => ({ k: 'block', body, pos: NOWHERE })),
    fc.tuple(exprArb, tie('branch'), fc.option(tie('branch'), { nil: null })).map(([cond, then, els]): Stmt => {
      const dangling = endsWithOpenIf(then);
      return { k: 'if', cond, then: dangling && els !== null ? [{ k: 'block', body: then, pos: NOWHERE }] : then, else: els, pos: NOWHERE };
    }),
    // Loops (the parser keeps them whole; lowering unrolls or rejects them).
    fc.tuple(fc.constantFrom('while' as const, 'do' as const), exprArb, tie('branch')).map(([kind, cond, body]): Stmt => ({ k: 'loop', kind, init: [], cond, step: null, body, pos: NOWHERE })),
    fc.tuple(fc.option(simpleStmt, { nil: null }), fc.option(exprArb, { nil: null }), fc.option(exprArb, { nil: null }), tie('branch')).map(
      ([init, cond, step, body]): Stmt => ({ k: 'loop', kind: 'for', init: init === null ? [] : [init], cond, step, body, pos: NOWHERE }),
    ),
  ),
  // What can stand as the branch of an if: nothing (`;`) or one statement.
  branch: fc.oneof(fc.constant([] as Stmt[]), tie('stmt').map((s) => [s])),
})).stmt;

const observable: fc.Arbitrary<Observable> = fc.oneof(
  fc.tuple(fc.nat(3), fc.constantFrom(...REGS)).map(([thread, reg]): Observable => ({ k: 'reg', thread, reg, pos: NOWHERE })),
  fc.constantFrom('x', 'y', 'vcpu->mode', 'P1', 'not', 'true').map((n): Observable => ({ k: 'mem', name: n, pos: NOWHERE })),
);

const condValue: fc.Arbitrary<CondValue> = fc.oneof(
  fc.integer({ min: -3, max: 300 }).map((value): CondValue => ({ k: 'int', value })),
  fc.constantFrom('x', 'IN_GUEST_MODE', 'y').map((n): CondValue => ({ k: 'sym', name: n })),
);

export const propArb: fc.Arbitrary<Prop> = fc.letrec<{ prop: Prop }>((tie) => ({
  prop: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(observable, condValue, fc.boolean()).map(([lhs, rhs, negated]): Prop => ({ k: 'eq', lhs, rhs, negated, pos: NOWHERE })),
    fc.constantFrom<Prop>({ k: 'true' }, { k: 'false' }),
    tie('prop').map((arg): Prop => ({ k: 'not', arg })),
    fc.tuple(tie('prop'), tie('prop')).map(([left, right]): Prop => ({ k: 'and', left, right })),
    fc.tuple(tie('prop'), tie('prop')).map(([left, right]): Prop => ({ k: 'or', left, right })),
  ),
})).prop;

const initItem: fc.Arbitrary<InitItem> = fc.oneof(
  fc.tuple(fc.constantFrom('x', 'y', 'vcpu->mode'), fc.option(fc.constantFrom<TypeName>({ base: 'int', stars: 0 }, { base: 'int', stars: 1 }, { base: 'atomic_t', stars: 0 }), { nil: null }),
    fc.option(fc.oneof(fc.integer({ min: -5, max: 5 }).map((value) => ({ k: 'int' as const, value })), fc.constantFrom('x', 'z').map((n) => ({ k: 'addr' as const, name: n }))), { nil: null }))
    .map(([n, type, value]): InitItem => ({ k: 'loc', name: n, type, value, pos: NOWHERE })),
  fc.tuple(fc.nat(3), fc.constantFrom(...REGS), fc.oneof(fc.nat(9).map((value) => ({ k: 'int' as const, value })), fc.constant({ k: 'addr' as const, name: 'x' })))
    .map(([thread, reg, value]): InitItem => ({ k: 'reg', thread, reg, type: null, value, pos: NOWHERE })),
);

const threadArb = (index: number): fc.Arbitrary<ThreadDecl> =>
  fc.record({
    params: fc.array(fc.tuple(fc.constantFrom(...PARAM_TYPES), fc.constantFrom(...LOCS)).map(([type, n]) => ({ type, name: n, pos: NOWHERE })), { maxLength: 3 }),
    body: fc.array(stmtArb, { maxLength: 4 }),
  }).map((t) => ({ index, ...t, pos: NOWHERE }));

const conditionArb: fc.Arbitrary<Condition> = fc.tuple(fc.constantFrom<Quantifier>('exists', '~exists', 'forall'), propArb, fc.boolean()).map(
  ([quantifier, prop, bad]): Condition => (bad ? { quantifier: 'exists', prop, outcome: 'lost-request', pos: NOWHERE } : { quantifier, prop, outcome: null, pos: NOWHERE }),
);

const expectedArb: fc.Arbitrary<ExpectedResult | null> = fc.option(
  fc.record({ verdict: fc.constantFrom<ExpectedResult['verdict']>('Never', 'Sometimes', 'Always'), dataRace: fc.boolean(), deadlock: fc.boolean() }).map((e) => ({ ...e, pos: NOWHERE })),
  { nil: null },
);

export const litmusAstArb: fc.Arbitrary<LitmusTest> = fc
  .record({
    name: fc.constantFrom('T', 'SB+fencembonceonces', 'MP+o-wmb-o+o-rmb-o', 'fuzz-1'),
    expected: expectedArb,
    init: fc.array(initItem, { maxLength: 4 }),
    threads: fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => threadArb(i)))),
    locations: fc.array(observable, { maxLength: 3 }),
    filter: fc.option(propArb, { nil: null }),
    condition: conditionArb,
  })
  .map((t): LitmusTest => ({ file: 'fuzz.litmus', arch: 'C', ...t }));

/** A canonical text of an AST without positions or file names, for equality up to layout. */
export function canonicalAst(x: unknown): string {
  return JSON.stringify(x, (key, value: unknown) => {
    if (key === 'pos' || key === 'file') return undefined;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(value).sort()) sorted[k] = (value as Record<string, unknown>)[k];
      return sorted;
    }
    return value;
  });
}
