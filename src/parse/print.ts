// The pretty-printer: litmus AST -> text that parses back to the same AST (positions aside).
// The fuzzer builds tests as ASTs and writes them with this, so a shrunk failure is a file.
import { BINARY_PRECEDENCE as PRECEDENCE } from './ast.js';
import type {
  CondValue, Condition, Expr, InitItem, InitValue, LitmusTest, Observable, Prop, Stmt, ThreadDecl, TypeName,
} from './ast.js';


// Levels an expression may need to be printed at, loosest first.
const ASSIGN = 0;
const TERNARY = 1; // binary precedences are 1..10 above this offset
const UNARY = 20;
const POSTFIX = 21;

function level(e: Expr): number {
  switch (e.k) {
    case 'assign':
      return ASSIGN;
    case 'ternary':
      return TERNARY;
    case 'binary':
      return TERNARY + PRECEDENCE[e.op];
    case 'unary':
    case 'cast':
      return UNARY;
    default:
      return POSTFIX;
  }
}

export function printType(t: TypeName): string {
  return t.base + (t.stars > 0 ? ' ' + '*'.repeat(t.stars) : '');
}

function typed(t: TypeName, name: string): string {
  return `${t.base} ${'*'.repeat(t.stars)}${name}`;
}

/** An expression; `min` is the loosest level the context accepts without parentheses. */
export function printExpr(e: Expr, min = ASSIGN): string {
  const text = printBare(e);
  return level(e) < min ? `(${text})` : text;
}

function printBare(e: Expr): string {
  switch (e.k) {
    case 'num':
      return String(e.value);
    case 'ident':
      return e.name;
    case 'unary': {
      const arg = printExpr(e.arg, UNARY);
      // `- -x`, `& &x`, `+ +x` must not fuse into `--`, `&&`, `++`.
      const sep = /^[-+&*!~]/.test(arg) ? ' ' : '';
      return `${e.op}${sep}${arg}`;
    }
    case 'binary': {
      const p = TERNARY + PRECEDENCE[e.op];
      // Left-associative: the right operand needs parentheses at the same precedence.
      return `${printExpr(e.left, p)} ${e.op} ${printExpr(e.right, p + 1)}`;
    }
    case 'call':
      return `${e.callee}(${e.args.map((a) => printExpr(a, ASSIGN)).join(', ')})`;
    case 'cast':
      return `(${printType(e.type)})${printExpr(e.arg, UNARY)}`;
    case 'member':
      return `${printExpr(e.object, POSTFIX)}${e.arrow ? '->' : '.'}${e.field}`;
    case 'ternary':
      // The condition is a binary expression; the else branch is another ternary at most.
      return `${printExpr(e.cond, TERNARY + 1)} ? ${printExpr(e.then, ASSIGN)} : ${printExpr(e.else, TERNARY)}`;
    case 'assign':
      return `${printExpr(e.target, TERNARY)} ${e.op} ${printExpr(e.value, ASSIGN)}`;
  }
}

function indent(depth: number): string {
  return '\t'.repeat(depth);
}

/** A statement list that stands where C expects one statement (the branches of an `if`). */
function printBranch(stmts: Stmt[], depth: number): string {
  if (stmts.length === 0) return ';';
  if (stmts.length === 1) return printStmt(stmts[0], depth).trimStart();
  // Only `int a, b;` parses to several statements in a branch.
  const decls = stmts as Array<Extract<Stmt, { k: 'decl' }>>;
  const base = decls[0].type.base;
  // The parser gives later declarators the first one's stars plus their own.
  const first = decls[0].type.stars;
  const parts = decls.map((d, i) => `${'*'.repeat(i === 0 ? first : d.type.stars - first)}${d.name}${d.init ? ' = ' + printExpr(d.init) : ''}`);
  return `${base} ${parts.join(', ')};`;
}

export function printStmt(s: Stmt, depth = 1): string {
  const pad = indent(depth);
  switch (s.k) {
    case 'decl':
      return `${pad}${typed(s.type, s.name)}${s.init ? ' = ' + printExpr(s.init) : ''};`;
    case 'expr':
      return `${pad}${printExpr(s.expr)};`;
    case 'block':
      return `${pad}{\n${s.body.map((b) => printStmt(b, depth + 1) + '\n').join('')}${pad}}`;
    case 'if': {
      let out = `${pad}if (${printExpr(s.cond)}) ${printBranch(s.then, depth)}`;
      if (s.else !== null) out += ` else ${printBranch(s.else, depth)}`;
      return out;
    }
    case 'loop': {
      const cond = s.cond ? printExpr(s.cond) : '';
      const body = printBranch(s.body, depth);
      if (s.kind === 'while') return `${pad}while (${cond}) ${body}`;
      if (s.kind === 'do') return `${pad}do ${body} while (${cond});`;
      const init = s.init.length === 0 ? '' : printBranch(s.init, depth).replace(/;$/, '');
      return `${pad}for (${init}; ${cond}; ${s.step ? printExpr(s.step) : ''}) ${body}`;
    }
  }
}

function printInitValue(v: InitValue): string {
  return v.k === 'int' ? String(v.value) : v.name;
}

function printInitItem(i: InitItem): string {
  if (i.k === 'reg') return `${i.thread}:${i.reg}=${printInitValue(i.value)};`;
  const decl = i.type ? typed(i.type, i.name) : i.name;
  return `${decl}${i.value ? '=' + printInitValue(i.value) : ''};`;
}

function printThread(t: ThreadDecl): string {
  const params = t.params.map((p) => typed(p.type, p.name)).join(', ');
  return `P${t.index}(${params})\n{\n${t.body.map((s) => printStmt(s, 1) + '\n').join('')}}\n`;
}

const PROP_WORDS = new Set(['true', 'false', 'not', 'exists', 'forall', 'filter', 'locations', 'bad']);

export function printObservable(o: Observable): string {
  if (o.k === 'reg') return `${o.thread}:${o.reg}`;
  // A bare name that the condition grammar reads as something else goes in brackets.
  return PROP_WORDS.has(o.name) || /^P\d+$/.test(o.name) ? `[${o.name}]` : o.name;
}

function printCondValue(v: CondValue): string {
  if (v.k === 'obs') return v.obs.k === 'mem' ? `[${v.obs.name}]` : printObservable(v.obs);
  return v.k === 'int' ? String(v.value) : v.name;
}

/** A proposition; `ctx` is the connective it appears under (its left-associativity matters). */
export function printProp(p: Prop, ctx: 'top' | 'or-left' | 'or-right' | 'and-left' | 'and-right' = 'top'): string {
  switch (p.k) {
    case 'true':
    case 'false':
      return p.k;
    case 'eq':
      return `${printObservable(p.lhs)}${p.negated ? '!=' : '='}${printCondValue(p.rhs)}`;
    case 'not':
      return `~(${printProp(p.arg)})`;
    case 'or': {
      const text = `${printProp(p.left, 'or-left')} \\/ ${printProp(p.right, 'or-right')}`;
      return ctx === 'top' || ctx === 'or-left' ? text : `(${text})`;
    }
    case 'and': {
      const text = `${printProp(p.left, 'and-left')} /\\ ${printProp(p.right, 'and-right')}`;
      return ctx === 'top' || ctx === 'and-left' || ctx === 'or-left' || ctx === 'or-right' ? text : `(${text})`;
    }
  }
}

/** herd7's rendering of an observable in its output: `0:r0`, `[x]`. */
function herdObservable(o: Observable): string {
  return o.k === 'reg' ? `${o.thread}:${o.reg}` : `[${o.name}]`;
}

/** herd7's rendering of a proposition in its output (not litmus syntax): `0:r0=1 /\ not ([x]=2)`. */
export function formatProp(p: Prop): string {
  switch (p.k) {
    case 'true':
    case 'false':
      return p.k;
    case 'eq':
      return `${herdObservable(p.lhs)}${p.negated ? '!=' : '='}${p.rhs.k === 'int' ? p.rhs.value : p.rhs.k === 'obs' ? herdObservable(p.rhs.obs) : p.rhs.name}`;
    case 'not':
      return `not (${formatProp(p.arg)})`;
    case 'and':
      return `${herdWrap(p.left, 'and')} /\\ ${herdWrap(p.right, 'and')}`;
    case 'or':
      return `${herdWrap(p.left, 'or')} \\/ ${herdWrap(p.right, 'or')}`;
  }
}

function herdWrap(p: Prop, parent: 'and' | 'or'): string {
  return (p.k === 'and' || p.k === 'or') && p.k !== parent ? `(${formatProp(p)})` : formatProp(p);
}

/** The condition as herd7 prints it: `exists (0:r0=0 /\ 1:r0=0)`. */
export function formatCondition(c: Condition): string {
  return `${c.quantifier} (${formatProp(c.prop)})`;
}

function printCondition(c: Condition): string {
  const head = c.outcome !== null ? `bad ${c.outcome}` : c.quantifier;
  return `${head} (${printProp(c.prop)})`;
}

/** The whole test, in the layout of the kernel's litmus tests. */
export function printLitmus(t: LitmusTest, comment?: string): string {
  let out = `C ${t.name}\n`;
  if (comment !== undefined) out += `\n(*\n${comment.replace(/\(\*|\*\)/g, '')}\n*)\n`;
  if (t.expected) out += `\n(* Result: ${t.expected.verdict}${t.expected.dataRace ? ' DATARACE' : ''}${t.expected.deadlock ? ' DEADLOCK' : ''} *)\n`;
  out += `\n{\n${t.init.map((i) => `\t${printInitItem(i)}\n`).join('')}}\n\n`;
  out += t.threads.map(printThread).join('\n');
  out += '\n';
  if (t.locations.length > 0) out += `locations [${t.locations.map(printObservable).join('; ')}]\n`;
  if (t.filter) out += `filter (${printProp(t.filter)})\n`;
  out += printCondition(t.condition) + '\n';
  return out;
}
