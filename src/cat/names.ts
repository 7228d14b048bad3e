// Local names in compiled cat code: the scopes of let, fun and match, frame positions, patterns.
import type { CatPos, Expr, Pattern } from './ast.js';
import { CatError } from './errors.js';
import * as ops from './ops.js';
import type { Code } from './runtime.js';
import { EventV, PairV, TupleV, type Value } from './values.js';

/** The local names of one let, function or match clause, each at a position in its frame. */
export class Scope {
  constructor(
    readonly names: ReadonlyMap<string, number>,
    readonly parent: Scope | null,
  ) {}
}

/** Reads a local `depth` frames out from the current one. */
export function localAccess(depth: number, index: number): Code {
  if (depth === 0) return (_c, f) => f!.vals[index]!;
  if (depth === 1) return (_c, f) => f!.parent!.vals[index]!;
  return (_c, f) => {
    let fr = f!;
    for (let d = 0; d < depth; d++) fr = fr.parent!;
    return fr.vals[index]!;
  };
}

export function patternNames(p: Pattern): Array<string | null> {
  return p.k === 'var' ? [p.name] : p.names;
}

/** Splits a value over a pattern's names (one name takes the whole value). */
export function destructure(p: Pattern, v: Value, pos: CatPos): Value[] {
  if (p.k === 'var') return [v];
  if (v instanceof TupleV && v.items.length === p.names.length) return v.items;
  if (v instanceof PairV && p.names.length === 2) return [new EventV(v.a), new EventV(v.b)];
  throw new CatError(pos, `expected a tuple of ${p.names.length}, found ${ops.article(v)}`);
}

/** The names an expression reads that it does not bind itself. */
export function freeNames(e: Expr, out = new Set<string>(), bound: ReadonlySet<string> = new Set()): Set<string> {
  const inner = (x: Expr, more: Array<string | null>) => {
    const b = new Set(bound);
    for (const n of more) if (n !== null) b.add(n);
    freeNames(x, out, b);
  };
  switch (e.k) {
    case 'var':
      if (!bound.has(e.name)) out.add(e.name);
      break;
    case 'tuple':
    case 'set':
      for (const x of e.elems) freeNames(x, out, bound);
      break;
    case 'op1':
      freeNames(e.arg, out, bound);
      break;
    case 'op':
      for (const x of e.args) freeNames(x, out, bound);
      break;
    case 'app':
      freeNames(e.fn, out, bound);
      freeNames(e.arg, out, bound);
      break;
    case 'fun':
      inner(e.body, patternNames(e.param));
      break;
    case 'let': {
      const names = e.binds.flatMap((b) => patternNames(b.pat));
      for (const b of e.binds) {
        if (e.rec) inner(b.expr, names);
        else freeNames(b.expr, out, bound);
      }
      inner(e.body, names);
      break;
    }
    case 'match':
      freeNames(e.scrut, out, bound);
      for (const cl of e.clauses) freeNames(cl.body, out, bound);
      if (e.dflt) freeNames(e.dflt, out, bound);
      break;
    case 'matchset':
      freeNames(e.scrut, out, bound);
      freeNames(e.ifEmpty, out, bound);
      inner(e.clause.body, e.clause.k === 'eltrem' ? [e.clause.elem, e.clause.rest] : [e.clause.pre, e.clause.elem, e.clause.post]);
      break;
    case 'try':
      freeNames(e.body, out, bound);
      freeNames(e.handler, out, bound);
      break;
    case 'if':
      if (e.cond.k !== 'variant') {
        freeNames(e.cond.a, out, bound);
        freeNames(e.cond.b, out, bound);
      }
      freeNames(e.then, out, bound);
      freeNames(e.else, out, bound);
      break;
    default:
      break;
  }
  return out;
}
