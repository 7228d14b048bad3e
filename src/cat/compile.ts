// Compiles cat expressions into JavaScript closures, staged for the explorer:
//   - every name is resolved once, here: globals to slots, locals to frame positions;
//   - a global is *static* when it does not depend on rf or co (directly or through other
//     globals): it is computed at most once per skeleton, on first use, and shared by all the
//     candidates of that skeleton; *dynamic* globals are computed on first use per candidate;
//   - inside dynamic code, every largest static subexpression (say `[M] ; po ; [Release]` in a
//     definition that also mentions rf) is cached per skeleton as well;
//   - `a ; b ; c` stops at the first empty factor and `a & b`, `a \ b` skip b when a is empty,
//     so relations that cannot matter (RCU without grace periods, races without plain
//     accesses) cost almost nothing.
// The program around them (slots, checks, `with`) is compiled by program.ts.
import type { Binding, CatPos, Cond, Expr, Pattern, SetClause } from './ast.js';
import { CatError } from './errors.js';
import * as ops from './ops.js';
import { apply, condHolds, explicitSet, fixpoint, isEmptyQuick, variantHolds } from './constructs.js';
import { Scope, destructure, localAccess, patternNames } from './names.js';
import { Frame, type Code } from './runtime.js';
import { globalAccess, type Slot } from './slots.js';
import { ChoiceSet, Closure, EmptyV, EventV, PairV, TagV, TupleV, UniverseV, ValueSet, type Value, type Ctx } from './values.js';
import { EventSet, Relation } from '../execution/relation.js';

export interface Compiled {
  code: Code;
  /** Mentions a dynamic global. */
  dyn: boolean;
  /** The outermost local frame it reads, counted from the current one; -1 for none. */
  depth: number;
  /** A name or a constant: not worth caching. */
  trivial: boolean;
}

export class ExpressionCompiler {
  /** Cached static subexpressions so far: the size of a skeleton's cache. */
  cacheSize = 0;

  constructor(
    /** The global names as bound so far (program.ts adds to it as it goes). */
    private readonly globals: ReadonlyMap<string, Slot>,
    /** Each declared tag's enumeration. */
    private readonly tagEnum: ReadonlyMap<string, string>,
    private readonly variants: ReadonlySet<string>,
  ) {}

  /** A top-level expression (a definition, check or `with`). */
  compile(e: Expr): Compiled {
    return this.expr(e, null);
  }

  /** Caches a static, non-trivial expression per skeleton (used inside dynamic code). */
  private hoist(x: Compiled): Code {
    if (x.dyn || x.depth >= 0 || x.trivial) return x.code;
    const i = this.cacheSize++;
    const inner = x.code;
    return (c, f) => {
      const v = c.p.cache[i];
      if (v !== undefined) return v;
      const r = inner(c, f);
      c.p.cache[i] = r;
      return r;
    };
  }

  /** Children's code: as is when the parent is static (it is cached whole), else each cached. */
  private kids(xs: Compiled[]): { codes: Code[]; dyn: boolean; depth: number } {
    const dyn = xs.some((x) => x.dyn);
    const depth = Math.max(-1, ...xs.map((x) => x.depth));
    const codes = dyn || depth >= 0 ? xs.map((x) => this.hoist(x)) : xs.map((x) => x.code);
    return { codes, dyn, depth };
  }

  private expr(e: Expr, scope: Scope | null): Compiled {
    const pos = e.pos;
    switch (e.k) {
      case 'empty':
        return constant(EmptyV.it);
      case 'universe':
        return constant(UniverseV.it);
      case 'zero':
        return { code: (c) => new Relation(c.p.n), dyn: false, depth: -1, trivial: true };
      case 'tag': {
        const en = this.tagEnum.get(e.name);
        if (en === undefined) return { code: () => { throw new CatError(pos, `tag '${e.name} is not declared by any enum`); }, dyn: false, depth: -1, trivial: true };
        return constant(new TagV(en, e.name));
      }
      case 'var':
        return this.variable(e.name, scope, pos);
      case 'tuple': {
        const k = this.kids(e.elems.map((x) => this.expr(x, scope)));
        return { code: (c, f) => new TupleV(k.codes.map((x) => x(c, f))), dyn: k.dyn, depth: k.depth, trivial: false };
      }
      case 'set': {
        const k = this.kids(e.elems.map((x) => this.expr(x, scope)));
        return { code: (c, f) => explicitSet(c, k.codes.map((x) => x(c, f)), pos), dyn: k.dyn, depth: k.depth, trivial: false };
      }
      case 'op1':
        return this.op1(e.op, e.arg, scope, pos);
      case 'op':
        return this.opN(e.op, e.args, scope, pos);
      case 'app': {
        const k = this.kids([this.expr(e.fn, scope), this.expr(e.arg, scope)]);
        const [fn, arg] = k.codes;
        return { code: (c, f) => apply(fn(c, f), arg(c, f), c, pos), dyn: k.dyn, depth: k.depth, trivial: false };
      }
      case 'fun':
        return this.fun(e.param, e.body, e.name, scope);
      case 'let':
        return e.rec ? this.letRecExpr(e.binds, e.body, scope, pos) : this.letExpr(e.binds, e.body, scope);
      case 'match':
        return this.matchTag(e, scope);
      case 'matchset':
        return this.matchSet(e.scrut, e.ifEmpty, e.clause, scope, pos);
      case 'try':
        return this.tryWith(e, scope);
      case 'if':
        return this.ifExpr(e.cond, e.then, e.else, scope, pos);
    }
  }

  /** `match e with 'a -> ... || 'b -> ... || _ -> ...` on a tag. */
  private matchTag(e: Extract<Expr, { k: 'match' }>, scope: Scope | null): Compiled {
    const pos = e.pos;
    const parts = [this.expr(e.scrut, scope), ...e.clauses.map((cl) => this.expr(cl.body, scope))];
    if (e.dflt) parts.push(this.expr(e.dflt, scope));
    const k = this.kids(parts);
    const scrut = k.codes[0];
    const tags = e.clauses.map((cl) => cl.tag);
    const bodies = k.codes.slice(1, 1 + tags.length);
    const dflt = e.dflt ? k.codes[k.codes.length - 1] : null;
    return {
      code: (c, f) => {
        const v = scrut(c, f);
        if (!(v instanceof TagV)) throw new CatError(pos, `match needs a tag here, found ${ops.article(v)}`);
        const at = tags.indexOf(v.name);
        if (at >= 0) return bodies[at](c, f);
        if (dflt) return dflt(c, f);
        throw new CatError(pos, `no case matches the tag '${v.name}`);
      },
      dyn: k.dyn,
      depth: k.depth,
      trivial: false,
    };
  }

  /** `try e with h`: h when evaluating e raises a cat error. */
  private tryWith(e: Extract<Expr, { k: 'try' }>, scope: Scope | null): Compiled {
    const k = this.kids([this.expr(e.body, scope), this.expr(e.handler, scope)]);
    const [body, handler] = k.codes;
    return {
      code: (c, f) => {
        try {
          return body(c, f);
        } catch (err) {
          if (err instanceof CatError) return handler(c, f);
          throw err;
        }
      },
      dyn: k.dyn,
      depth: k.depth,
      trivial: false,
    };
  }

  private variable(name: string, scope: Scope | null, pos: CatPos): Compiled {
    let depth = 0;
    for (let s = scope; s; s = s.parent, depth++) {
      const index = s.names.get(name);
      if (index === undefined) continue;
      return { code: localAccess(depth, index), dyn: false, depth, trivial: true };
    }
    const g = this.globals.get(name);
    if (g) return { code: globalAccess(g), dyn: g.dynamic, depth: -1, trivial: true };
    // herd7 reports unbound names when evaluated (so `try X with ...` can catch it).
    return { code: () => { throw new CatError(pos, `unbound name '${name}'`); }, dyn: false, depth: -1, trivial: true };
  }

  private op1(op: string, arg: Expr, scope: Scope | null, pos: CatPos): Compiled {
    const k = this.kids([this.expr(arg, scope)]);
    const a = k.codes[0];
    let code: Code;
    switch (op) {
      case 'comp':
        code = (c, f) => ops.complement(c.p, a(c, f), pos);
        break;
      case 'inv':
        code = (c, f) => ops.inverse(c.p, a(c, f), pos);
        break;
      case 'toid':
        code = (c, f) => ops.toId(c.p, a(c, f), pos);
        break;
      default: {
        const which = op as 'star' | 'plus' | 'opt';
        code = (c, f) => ops.closure(c.p, which, a(c, f), pos);
      }
    }
    return { code, dyn: k.dyn, depth: k.depth, trivial: false };
  }

  private opN(op: string, args: Expr[], scope: Scope | null, pos: CatPos): Compiled {
    if (op === 'seq') return this.seq(args, scope);
    if (op === 'inter') {
      const cartAt = args.findIndex((a) => a.k === 'op' && a.op === 'cart');
      if (cartAt >= 0) {
        // r & (S * T) restricts r's domain and range, without building S * T.
        const cart = args[cartAt] as Extract<Expr, { k: 'op' }>;
        const k = this.kids([this.expr(args[1 - cartAt], scope), this.expr(cart.args[0], scope), this.expr(cart.args[1], scope)]);
        const [r, s, t] = k.codes;
        return {
          code: (c, f) => {
            const rv = r(c, f);
            if (rv instanceof EmptyV) return rv;
            const rel = ops.asRel(c.p, rv, pos);
            if (rel.isEmpty()) return rel;
            return rel.restrict(ops.asSet(c.p, s(c, f), pos), ops.asSet(c.p, t(c, f), pos));
          },
          dyn: k.dyn,
          depth: k.depth,
          trivial: false,
        };
      }
    }
    const k = this.kids(args.map((a) => this.expr(a, scope)));
    const codes = k.codes;
    let code: Code;
    switch (op) {
      case 'union':
        if (codes.length === 2) {
          const [a, b] = codes;
          code = (c, f) => {
            const av = a(c, f);
            const bv = b(c, f);
            return av instanceof Relation && bv instanceof Relation ? av.union(bv) : ops.union(c.p, [av, bv], pos);
          };
        } else code = (c, f) => ops.union(c.p, codes.map((x) => x(c, f)), pos);
        break;
      case 'inter': {
        const [a, b] = codes;
        code = (c, f) => {
          const av = a(c, f);
          if (isEmptyQuick(av)) return av;
          return ops.inter(c.p, av, b(c, f), pos);
        };
        break;
      }
      case 'diff': {
        const [a, b] = codes;
        code = (c, f) => {
          const av = a(c, f);
          if (isEmptyQuick(av)) return av;
          return ops.diff(c.p, av, b(c, f), pos);
        };
        break;
      }
      case 'cart': {
        const [a, b] = codes;
        code = (c, f) => ops.cartesian(c.p, a(c, f), b(c, f), pos);
        break;
      }
      default: {
        const [a, b] = codes;
        code = (c, f) => ops.addElement(c.p, a(c, f), b(c, f), pos);
      }
    }
    return { code, dyn: k.dyn, depth: k.depth, trivial: false };
  }

  /** a ; [S] ; b ; ...: identity factors become restrictions; stops at the first empty result. */
  private seq(args: Expr[], scope: Scope | null): Compiled {
    const isId = args.map((a) => a.k === 'op1' && a.op === 'toid');
    const operands = args.map((a, i) => (isId[i] ? (a as Extract<Expr, { k: 'op1' }>).arg : a));
    const k = this.kids(operands.map((a) => this.expr(a, scope)));
    const codes = k.codes;
    const at = operands.map((a) => a.pos);
    const code: Code = (c, f) => {
      const st = c.p;
      let acc: Relation | null = null;
      // Whether acc was built here (and may be changed in place) rather than read from a name.
      let owned = false;
      let dom: EventSet | null = null;
      for (let i = 0; i < codes.length; i++) {
        const v = codes[i](c, f);
        if (v instanceof EmptyV) return new Relation(st.n);
        if (isId[i]) {
          const s = ops.asSet(st, v, at[i]);
          if (acc === null) dom = dom ? dom.inter(s) : s;
          else if (owned) acc.restrictRangeInPlace(s);
          else {
            acc = acc.restrict(null, s);
            owned = true;
          }
        } else {
          const r = ops.asRel(st, v, at[i]);
          if (acc === null) {
            acc = dom ? r.restrict(dom, null) : r;
            owned = dom !== null;
          } else {
            acc = acc.seq(r);
            owned = true;
          }
        }
        if (acc ? acc.isEmpty() : dom!.isEmpty()) return acc ?? new Relation(st.n);
      }
      return acc ?? Relation.ofSet(dom!);
    };
    return { code, dyn: k.dyn, depth: k.depth, trivial: false };
  }

  private fun(param: Pattern, body: Expr, name: string, scope: Scope | null): Compiled {
    const names = new Map<string, number>();
    patternNames(param).forEach((n, i) => {
      if (n !== null) names.set(n, i);
    });
    const inner = new Scope(names, scope);
    const b = this.expr(body, inner);
    const bodyCode = this.hoist(b);
    const code: Code = (c, f) =>
      new Closure(name, (arg, c2, pos) => {
        return bodyCode(c2, new Frame(destructure(param, arg, pos), f));
      });
    return { code, dyn: b.dyn, depth: b.depth >= 1 ? b.depth - 1 : -1, trivial: false };
  }

  private letExpr(binds: Binding[], body: Expr, scope: Scope | null): Compiled {
    const names = new Map<string, number>();
    let size = 0;
    const layout = binds.map((b) =>
      patternNames(b.pat).map((n) => {
        const at = size++;
        if (n !== null) names.set(n, at);
        return at;
      }),
    );
    const bound = binds.map((b) => this.expr(b.expr, scope));
    const bodyC = this.expr(body, new Scope(names, scope));
    const dyn = bound.some((x) => x.dyn) || bodyC.dyn;
    const depth = Math.max(-1, ...bound.map((x) => x.depth), bodyC.depth >= 1 ? bodyC.depth - 1 : -1);
    const codes = bound.map((x) => (dyn || depth >= 0 ? this.hoist(x) : x.code));
    const bodyCode = this.hoist(bodyC);
    const code: Code = (c, f) => {
      const vals = new Array<Value | undefined>(size);
      binds.forEach((b, i) => {
        const vs = destructure(b.pat, codes[i](c, f), b.pos);
        layout[i].forEach((at, j) => (vals[at] = vs[j]));
      });
      return bodyCode(c, new Frame(vals, f));
    };
    return { code, dyn, depth, trivial: false };
  }

  private letRecExpr(binds: Binding[], body: Expr, scope: Scope | null, pos: CatPos): Compiled {
    const names = new Map<string, number>();
    for (const b of binds) {
      if (b.pat.k !== 'var' || b.pat.name === null) throw new CatError(b.pos, "'let rec' binds names, not tuples");
      names.set(b.pat.name, names.size);
    }
    const inner = new Scope(names, scope);
    const bound = binds.map((b) => this.expr(b.expr, inner));
    const bodyC = this.expr(body, inner);
    const all = [...bound, bodyC];
    const dyn = all.some((x) => x.dyn);
    const depth = Math.max(-1, ...all.map((x) => (x.depth >= 1 ? x.depth - 1 : -1)));
    const codes = bound.map((x) => this.hoist(x));
    const bodyCode = this.hoist(bodyC);
    const isFun = binds.map((b) => b.expr.k === 'fun');
    const code: Code = (c, f) => {
      const fr = new Frame(new Array<Value | undefined>(binds.length), f);
      const values: number[] = [];
      binds.forEach((_, i) => {
        if (isFun[i]) fr.vals[i] = codes[i](c, fr);
        else {
          fr.vals[i] = EmptyV.it;
          values.push(i);
        }
      });
      fixpoint(
        values.map((i) => () => codes[i](c, fr)),
        values.map((i) => (v: Value) => (fr.vals[i] = v)),
        pos,
      );
      return bodyCode(c, fr);
    };
    return { code, dyn, depth, trivial: false };
  }

  private matchSet(scrutE: Expr, ifEmptyE: Expr, clause: SetClause, scope: Scope | null, pos: CatPos): Compiled {
    const bindNames = clause.k === 'eltrem' ? [clause.elem, clause.rest] : [clause.pre, clause.elem, clause.post];
    const names = new Map<string, number>();
    bindNames.forEach((n, i) => {
      if (n !== null) names.set(n, i);
    });
    const scrutC = this.expr(scrutE, scope);
    const emptyC = this.expr(ifEmptyE, scope);
    const bodyC = this.expr(clause.body, new Scope(names, scope));
    const dyn = scrutC.dyn || emptyC.dyn || bodyC.dyn;
    const depth = Math.max(scrutC.depth, emptyC.depth, bodyC.depth >= 1 ? bodyC.depth - 1 : -1);
    const [scrut, ifEmpty] = [scrutC, emptyC].map((x) => (dyn || depth >= 0 ? this.hoist(x) : x.code));
    const body = this.hoist(bodyC);
    const pre = clause.k === 'pre';
    const code: Code = (c, f) => {
      const v = scrut(c, f);
      const split = splitSet(c, v, pos);
      if (split === null) return ifEmpty(c, f);
      const [elem, rest, none] = split;
      return body(c, new Frame(pre ? [none, elem, rest] : [elem, rest], f));
    };
    return { code, dyn, depth, trivial: false };
  }

  private ifExpr(cond: Cond, thenE: Expr, elseE: Expr, scope: Scope | null, pos: CatPos): Compiled {
    if (cond.k === 'variant') return this.expr(variantHolds(cond.cond, this.variants) ? thenE : elseE, scope);
    const k = this.kids([this.expr(cond.a, scope), this.expr(cond.b, scope), this.expr(thenE, scope), this.expr(elseE, scope)]);
    const [a, b, t, e] = k.codes;
    const test = cond.k;
    const code: Code = (c, f) => (condHolds(c, test, a(c, f), b(c, f), pos) ? t(c, f) : e(c, f));
    return { code, dyn: k.dyn, depth: k.depth, trivial: false };
  }
}

function constant(v: Value): Compiled {
  return { code: () => v, dyn: false, depth: -1, trivial: true };
}

/** One element of a non-empty set and the rest (and an empty set of the same type), or null when empty. */
function splitSet(c: Ctx, v: Value, pos: CatPos): [Value, Value, Value] | null {
  if (v instanceof EmptyV) return null;
  if (v instanceof EventSet) {
    const first = v.members().next();
    if (first.done) return null;
    return [new EventV(first.value), v.minus(EventSet.of(v.n, [first.value])), new EventSet(v.n)];
  }
  if (v instanceof Relation) {
    const first = v.pairs()[0];
    if (first === undefined) return null;
    const [a, b] = first;
    const rest = v.clone();
    rest.delete(a, b);
    return [new PairV(a, b), rest, new Relation(v.n)];
  }
  if (v instanceof ChoiceSet) {
    const l = v.list(100_000);
    if (l === null) throw new CatError(pos, 'this set of co orders is too large to iterate over');
    return splitSet(c, new ValueSet(l), pos);
  }
  if (v instanceof ValueSet) {
    const es = v.elems();
    if (es.length === 0) return null;
    return [es[0], new ValueSet(es.slice(1)), new ValueSet()];
  }
  throw new CatError(pos, `a set is expected here, found ${ops.article(v)}`);
}
