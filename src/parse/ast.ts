// The syntax tree of a C litmus test, as written (nothing resolved yet).
import type { SourcePos } from '../diagnostics.js';

export interface TypeName {
  base: string; // e.g. "int", "spinlock_t", "struct kvm_vcpu"
  stars: number;
}

export type Expr =
  | { k: 'num'; value: number | bigint; pos: SourcePos }
  | { k: 'ident'; name: string; pos: SourcePos }
  | { k: 'unary'; op: '-' | '+' | '!' | '~' | '*' | '&'; arg: Expr; pos: SourcePos }
  | { k: 'binary'; op: BinaryOp; left: Expr; right: Expr; pos: SourcePos }
  | { k: 'call'; callee: string; args: Expr[]; pos: SourcePos }
  | { k: 'cast'; type: TypeName; arg: Expr; pos: SourcePos }
  | { k: 'member'; object: Expr; field: string; arrow: boolean; pos: SourcePos }
  | { k: 'ternary'; cond: Expr; then: Expr; else: Expr; pos: SourcePos }
  | { k: 'assign'; op: '=' | '+=' | '-=' | '&=' | '|=' | '^='; target: Expr; value: Expr; pos: SourcePos };

export type BinaryOp =
  | '+' | '-' | '*' | '/' | '%' | '<<' | '>>' | '&' | '|' | '^'
  | '==' | '!=' | '<' | '>' | '<=' | '>=' | '&&' | '||';

export type Stmt =
  | { k: 'decl'; type: TypeName; name: string; init?: Expr; pos: SourcePos }
  | { k: 'expr'; expr: Expr; pos: SourcePos }
  | { k: 'if'; cond: Expr; then: Stmt[]; else: Stmt[] | null; pos: SourcePos }
  | { k: 'block'; body: Stmt[]; pos: SourcePos }
  /**
   * A loop, kept whole so lowering can unroll it (`--unroll N`) or reject it. `for (init; cond; step)`
   * fills all three; `while (cond)` and `do ... while (cond)` only cond; a missing cond means forever.
   */
  | { k: 'loop'; kind: 'while' | 'for' | 'do'; init: Stmt[]; cond: Expr | null; step: Expr | null; body: Stmt[]; pos: SourcePos };

export interface Param {
  type: TypeName;
  name: string;
  pos: SourcePos;
}

export interface ThreadDecl {
  index: number; // N of PN
  params: Param[];
  body: Stmt[];
  pos: SourcePos;
}

export type InitValue =
  | { k: 'int'; value: number | bigint }
  | { k: 'addr'; name: string }; // `p=y`, `int *x=&u`, `1:r1=x`

export type InitItem =
  | { k: 'loc'; name: string; type: TypeName | null; value: InitValue | null; pos: SourcePos }
  | { k: 'reg'; thread: number; reg: string; type: TypeName | null; value: InitValue; pos: SourcePos };

/**
 * C's binary operators by precedence (higher binds tighter): the one table the litmus parser, the
 * printer and the .def macro parser share.
 */
export const BINARY_PRECEDENCE: Readonly<Record<string, number>> = {
  '||': 1, '&&': 2, '|': 3, '^': 4, '&': 5, '==': 6, '!=': 6,
  '<': 7, '>': 7, '<=': 7, '>=': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '%': 10,
};

/** Something the final condition or `locations` can observe. */
export type Observable =
  | { k: 'reg'; thread: number; reg: string; pos: SourcePos }
  | { k: 'mem'; name: string; pos: SourcePos };

/** The right of `=` in a condition: a number, a location or constant name, or another register (`0:r1=1:r4`). */
export type CondValue = { k: 'int'; value: number | bigint } | { k: 'sym'; name: string } | { k: 'obs'; obs: Observable };

/**
 * A proposition over final states, its atoms `lhs = rhs` with `rhs` of type V: as written
 * (CondValue) in the AST, with names resolved (lower's CondOperand) once lowered.
 */
export type PropOf<V> =
  | { k: 'true' }
  | { k: 'false' }
  | { k: 'eq'; lhs: Observable; rhs: V; negated: boolean; pos: SourcePos }
  | { k: 'not'; arg: PropOf<V> }
  | { k: 'and'; left: PropOf<V>; right: PropOf<V> }
  | { k: 'or'; left: PropOf<V>; right: PropOf<V> };

export type Prop = PropOf<CondValue>;

/** Whether two observables name the same register or location. */
export function sameObservable(a: Observable, b: Observable): boolean {
  return a.k === 'reg' && b.k === 'reg' ? a.thread === b.thread && a.reg === b.reg : a.k === 'mem' && b.k === 'mem' && a.name === b.name;
}

/** The `P:r=v` / `x=v` atoms of a proposition, left to right. */
export function propAtoms<V>(p: PropOf<V>): Array<Extract<PropOf<V>, { k: 'eq' }>> {
  switch (p.k) {
    case 'eq':
      return [p];
    case 'not':
      return propAtoms(p.arg);
    case 'and':
    case 'or':
      return [...propAtoms(p.left), ...propAtoms(p.right)];
    default:
      return [];
  }
}

export type Quantifier = 'exists' | '~exists' | 'forall';

export interface Condition {
  quantifier: Quantifier;
  prop: Prop;
  /** A protocol name for the bad outcome (`bad lost-request (...)`), if the test gave one. */
  outcome: string | null;
  pos: SourcePos;
}

export interface ExpectedResult {
  verdict: 'Never' | 'Sometimes' | 'Always';
  dataRace: boolean;
  /** `DEADLOCK` (the kernel's `Result: DEADLOCK`, verdict Never): some execution never finishes. */
  deadlock: boolean;
  /** Where the `Result` word is. */
  pos: SourcePos;
}

export interface LitmusTest {
  file: string;
  arch: string;
  name: string;
  /** The `Result:` comment: what the test expects under every model without its own line. */
  expected: ExpectedResult | null;
  /** `Result(MODEL): ...` comments (herd7 ignores them): per-model expectations, by model name. */
  expectedByModel?: Record<string, ExpectedResult>;
  /** A `KvmArch=NAME` header line: the KVM architecture whose requests the test uses. */
  kvmArch?: { name: string; pos: SourcePos };
  init: InitItem[];
  threads: ThreadDecl[];
  locations: Observable[];
  filter: Prop | null;
  condition: Condition;
}
