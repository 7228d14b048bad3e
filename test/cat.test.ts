// The cat interpreter piece by piece: its operators against a naive set-of-pairs oracle, its
// parser's precedence, fixpoints, functions, matching, `with ... from`, co generation, .cfg and
// .def reading, and errors with file:line:column.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileModel } from '../src/cat/program.js';
import { CatModel, type FileReader } from '../src/cat/index.js';
import { loadCatModel } from '../src/api.js';
import { loadInstructions, readConfig } from '../src/cat/loader.js';
import { parseMacros } from '../src/cat/macros.js';
import { parseCat } from '../src/cat/parser.js';
import { Linearisations, ValueSet, type Value } from '../src/cat/values.js';
import type { Candidate, Event, Skeleton } from '../src/execution/execution.js';
import { EventSet, Relation } from '../src/execution/relation.js';
import { CatError } from '../src/cat/errors.js';

// ---- a hand-made execution: events of given kinds and locations, arbitrary relations ----

type Pairs = Array<[number, number]>;
const N = 6;

function skeleton(kinds: Array<'R' | 'W' | 'F'>, locs: Array<string | null>, po: Pairs): Skeleton {
  const n = kinds.length;
  const events: Event[] = kinds.map((kind, id) => ({
    id, thread: id % 2, poIndex: id, kind, loc: kind === 'F' ? null : locs[id], value: id, ann: '', rmwInstr: false, lock: null, srcuSync: false, origin: null, dst: null,
  }));
  const rel = (p: Pairs) => Relation.ofPairs(n, p);
  return {
    events, n, threads: 2, po: rel(po), addr: rel([]), data: rel([]), ctrl: rel([]), rmw: rel([]),
    loc: Relation.where(n, (a, b) => events[a].loc !== null && events[a].loc === events[b].loc),
    int: Relation.where(n, (a, b) => events[a].thread === events[b].thread),
    ext: Relation.where(n, (a, b) => events[a].thread !== events[b].thread),
    IW: new EventSet(n), R: EventSet.where(n, (i) => kinds[i] === 'R'), W: EventSet.where(n, (i) => kinds[i] === 'W'), F: EventSet.where(n, (i) => kinds[i] === 'F'),
    observedLocs: new Set(),
  };
}

/** A model from cat text alone (no files). */
function model(text: string, variants: string[] = []): CatModel {
  const read: FileReader = (p) => (p === 'm.cat' ? text : null);
  const r = loadCatModel({ cat: 'm.cat', variants }, read);
  if (!r.ok) throw new Error(r.diagnostics.map((d) => `${d.file}:${d.line}:${d.col}: ${d.message}`).join('\n'));
  return r.loaded.model;
}

const pairsOf = (v: Value | undefined): string[] => {
  if (!(v instanceof Relation)) throw new Error(`expected a relation, got ${String(v?.constructor.name)}`);
  return [...v.pairs()].map(([a, b]) => `${a},${b}`).sort();
};
const membersOf = (v: Value | undefined): number[] => {
  if (!(v instanceof EventSet)) throw new Error(`expected an event set, got ${String(v?.constructor.name)}`);
  return [...v.members()];
};

// The oracle: relations as sets of "a,b" strings, operators from their definitions.
const key = (a: number, b: number) => `${a},${b}`;
const norm = (p: Pairs) => [...new Set(p.map(([a, b]) => key(a, b)))].sort();
const compose = (r: Pairs, s: Pairs): Pairs => r.flatMap(([a, b]) => s.filter(([c]) => c === b).map(([, d]) => [a, d] as [number, number]));
function closure(r: Pairs): Pairs {
  let acc = norm(r);
  for (;;) {
    const pairs = acc.map((k) => k.split(',').map(Number) as [number, number]);
    const next = norm([...pairs, ...compose(pairs, pairs)]);
    if (next.length === acc.length) return pairs;
    acc = next;
  }
}
const ids = (s: number[]): Pairs => s.map((i) => [i, i]);
const all = Array.from({ length: N }, (_, i) => i);

const relArb = fc.array(fc.tuple(fc.nat(N - 1), fc.nat(N - 1)), { maxLength: 12 });
const kindsArb = fc.array(fc.constantFrom<'R' | 'W' | 'F'>('R', 'W', 'F'), { minLength: N, maxLength: N });
const locsArb = fc.array(fc.constantFrom('x', 'y'), { minLength: N, maxLength: N });

const OPERATORS = `
let seq = po ; rf
let uni = po | rf
let int = po & rf
let dif = po \\ rf
let inv = po^-1
let plus = po+
let star = po*
let opt = po?
let restricted = [R] ; po ; [W]
let cart = R * W
let cartinter = po & (R * W)
let dom = domain(po)
let ran = range(rf)
let comp = ~R
let rec tc = po | (tc ; po)
let f(a, b) = a ; b
let applied = f(rf, po)
let curried x = fun y -> x | y
let applied2 = curried po rf
let prec1 = po | rf ; co
let prec2 = po ; rf \\ co
let prec3 = po \\ rf & co
let prec4 = R * W & po
`;

describe('cat operators, against a naive oracle', () => {
  const m = model(OPERATORS);
  it('computes every operator as its definition says', () => {
    fc.assert(
      fc.property(kindsArb, locsArb, relArb, relArb, relArb, (kinds, locs, po, rf, co) => {
        const sk = skeleton(kinds, locs, po);
        const cand: Candidate = { rf: Relation.ofPairs(N, rf), co: Relation.ofPairs(N, co) };
        const ev = (name: string) => m.evaluate(sk, cand, name);
        const R = all.filter((i) => kinds[i] === 'R');
        const W = all.filter((i) => kinds[i] === 'W');
        const inRW = ([a, b]: [number, number]) => R.includes(a) && W.includes(b);
        expect(pairsOf(ev('seq'))).toEqual(norm(compose(po, rf)));
        expect(pairsOf(ev('uni'))).toEqual(norm([...po, ...rf]));
        expect(pairsOf(ev('int'))).toEqual(norm(po).filter((k) => norm(rf).includes(k)));
        expect(pairsOf(ev('dif'))).toEqual(norm(po).filter((k) => !norm(rf).includes(k)));
        expect(pairsOf(ev('inv'))).toEqual(norm(po.map(([a, b]) => [b, a])));
        expect(pairsOf(ev('plus'))).toEqual(norm(closure(po)));
        expect(pairsOf(ev('star'))).toEqual(norm([...closure(po), ...ids(all)]));
        expect(pairsOf(ev('opt'))).toEqual(norm([...po, ...ids(all)]));
        expect(pairsOf(ev('restricted'))).toEqual(norm(po.filter(inRW)));
        expect(pairsOf(ev('cart'))).toEqual(norm(R.flatMap((a) => W.map((b) => [a, b] as [number, number]))));
        expect(pairsOf(ev('cartinter'))).toEqual(norm(po.filter(inRW)));
        expect(membersOf(ev('dom'))).toEqual([...new Set(po.map(([a]) => a))].sort((a, b) => a - b));
        expect(membersOf(ev('ran'))).toEqual([...new Set(rf.map(([, b]) => b))].sort((a, b) => a - b));
        expect(membersOf(ev('comp'))).toEqual(all.filter((i) => !R.includes(i)));
        expect(pairsOf(ev('tc'))).toEqual(norm(closure(po)));
        expect(pairsOf(ev('applied'))).toEqual(norm(compose(rf, po)));
        expect(pairsOf(ev('applied2'))).toEqual(norm([...po, ...rf]));
        // Precedence, loosest first: | ++ ; \ & * (and postfix), ^-1.
        expect(pairsOf(ev('prec1'))).toEqual(norm([...po, ...compose(rf, co)]));
        expect(pairsOf(ev('prec2'))).toEqual(norm(compose(po, rf.filter(([a, b]) => !norm(co).includes(key(a, b))))));
        expect(pairsOf(ev('prec3'))).toEqual(norm(po.filter(([a, b]) => !(norm(rf).includes(key(a, b)) && norm(co).includes(key(a, b))))));
        expect(pairsOf(ev('prec4'))).toEqual(norm(po.filter(inRW)));
      }),
      { numRuns: 150 },
    );
  });

  it('runs acyclic, irreflexive and empty checks and flags as written', () => {
    const checks = model(`
      flag ~empty po as has-po
      flag empty po as no-po
      irreflexive rf as rf-irreflexive
      acyclic po | rf as no-cycle
    `);
    fc.assert(
      fc.property(kindsArb, locsArb, relArb, relArb, (kinds, locs, po, rf) => {
        const sk = skeleton(kinds, locs, po);
        const v = checks.prepare(sk).consistency({ rf: Relation.ofPairs(N, rf), co: new Relation(N) });
        const cycle = closure([...po, ...rf]).some(([a, b]) => a === b);
        const rfLoop = rf.some(([a, b]) => a === b);
        expect(v.consistent).toBe(!cycle && !rfLoop);
        if (v.consistent) expect(v.flags).toEqual(po.length > 0 ? ['has-po'] : ['no-po']);
        else expect(v.failed).toBe(rfLoop ? 'rf-irreflexive' : 'no-cycle');
      }),
      { numRuns: 100 },
    );
  });
});

describe('cat language features', () => {
  const sk = skeleton(['W', 'R', 'W', 'R', 'F', 'W'], ['x', 'x', 'y', 'y', null, 'x'], [[0, 2], [2, 4], [0, 4], [1, 3], [1, 5], [3, 5]]);
  const cand: Candidate = { rf: Relation.ofPairs(N, [[0, 1], [2, 3]]), co: Relation.ofPairs(N, [[0, 5]]) };

  it('matches on tags and on sets, with map, let ... in and try', () => {
    const m = model(`
      enum Colours = 'red || 'green || 'blue
      let name c = match c with || 'red -> R || 'green -> W || _ -> emptyset end
      let reds = name('red)
      let greens = name('green)
      let blues = name('blue)
      let size s = let rec count t = match t with {} -> 0 || e ++ rest -> count(rest) end in count(s)
      let singletons = map (fun e -> {e}) W
      let pairs = map (fun p -> p) po
      let caught = try undefined-name with R
      let local = let a = R and b = W in a * b
      let tags = ~{'red}
    `);
    const ev = (n: string) => m.evaluate(sk, cand, n);
    expect(membersOf(ev('reds'))).toEqual([1, 3]);
    expect(membersOf(ev('greens'))).toEqual([0, 2, 5]);
    expect(membersOf(ev('blues'))).toEqual([]);
    const singles = ev('singletons') as ValueSet;
    expect(singles.elems().map((s) => [...(s as EventSet).members()]).sort()).toEqual([[0], [2], [5]]);
    // Mapping pairs to pairs gives a relation again, as in herd7.
    expect(pairsOf(ev('pairs')).length).toBe(6);
    expect(membersOf(ev('caught'))).toEqual([1, 3]);
    expect(pairsOf(ev('local'))).toEqual(['1,0', '1,2', '1,5', '3,0', '3,2', '3,5']);
    expect((ev('tags') as ValueSet).elems().map((t) => (t as { name: string }).name).sort()).toEqual(['blue', 'green']);
  });

  it('chooses `if` branches by variant, at expression and instruction level', () => {
    const text = `
      let a = if "v1" then R else W
      if "v2" let b = po else let b = rf end
      if not "v1" && "v2" then let c = R end
    `;
    const off = model(text);
    const on = model(text, ['v1', 'v2']);
    expect(membersOf(off.evaluate(sk, cand, 'a'))).toEqual([0, 2, 5]);
    expect(membersOf(on.evaluate(sk, cand, 'a'))).toEqual([1, 3]);
    expect(pairsOf(off.evaluate(sk, cand, 'b'))).toEqual(['0,1', '2,3']);
    expect(pairsOf(on.evaluate(sk, cand, 'b')).length).toBe(6);
    expect(() => on.evaluate(sk, cand, 'c')).toThrow(/no name 'c'/);
  });

  it('computes let rec ... and ... fixpoints as herd7 does (in order, until nothing grows)', () => {
    const m = model(`
      let rec even = [W] | (odd ; po)
      and odd = even ; po
    `);
    // Paths of po from a write: even length ending anywhere, odd length.
    expect(pairsOf(m.evaluate(sk, cand, 'even'))).toEqual(['0,0', '0,4', '2,2', '5,5']);
    expect(pairsOf(m.evaluate(sk, cand, 'odd'))).toEqual(['0,2', '0,4', '2,4']);
  });

  it('binds `with x from S` to the element the candidate realises, and rejects it otherwise', () => {
    const m = model(`
      with chosen from {0, (W * R) & loc}
      empty chosen \\ rf as inside
    `);
    const reads = Relation.ofPairs(N, [[0, 1], [5, 1], [2, 3]]); // (W * R) & loc here
    expect(pairsOf(m.evaluate(sk, { rf: reads, co: cand.co }, 'chosen'))).toEqual(['0,1', '2,3', '5,1']);
    expect(pairsOf(m.evaluate(sk, { rf: new Relation(N), co: cand.co }, 'chosen'))).toEqual([]);
    // Only part of an element: not one herd7 would have generated.
    expect(m.prepare(sk).consistency(cand)).toMatchObject({ consistent: false, failed: 'with chosen' });
    expect(m.evaluate(sk, cand, 'chosen')).toBeUndefined();
    // Edges outside every element (here co) do not take part in the choice.
    expect(m.prepare(sk).consistency({ rf: reads, co: Relation.ofPairs(N, [[0, 5], [2, 2]]) }).consistent).toBe(true);
  });

  it('checks the candidate co against generate_cos (cross.cat) without listing the orders', () => {
    const m = model(`
      include "cross.cat"
      with chosen from generate_cos(po)
    `);
    // Writes 0 and 5 on x (po orders 0 before 5), 2 alone on y.
    const coSk = skeleton(['W', 'R', 'W', 'R', 'F', 'W'], ['x', 'x', 'y', 'y', null, 'x'], [[0, 2], [2, 5], [0, 5], [1, 3]]);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(N - 1), fc.nat(N - 1)), { maxLength: 6 }), (co) => {
        const v = m.prepare(coSk).consistency({ rf: cand.rf, co: Relation.ofPairs(N, co) });
        // A member is a strict total order on each location's writes that extends po; pairs
        // between other events are outside every member and play no part.
        const onX = norm(co).filter((k) => k === '0,5' || k === '5,0');
        expect(v.consistent).toBe(onX.length === 1 && onX[0] === '0,5');
      }),
      { numRuns: 200 },
    );
  });
});

describe('linearisations', () => {
  const perms = (xs: number[]): number[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
  it('has() accepts exactly the total orders extending the partial order, and list() lists them', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(4), fc.nat(4)), { maxLength: 6 }), (edges) => {
        const n = 5;
        const order = Relation.ofPairs(n, edges.filter(([a, b]) => a < b)); // acyclic by construction
        const nodes = EventSet.of(n, [0, 1, 2, 3, 4]);
        const lin = new Linearisations(nodes, order);
        let count = 0;
        for (const p of perms([0, 1, 2, 3, 4])) {
          const r = new Relation(n);
          p.forEach((a, i) => p.slice(i + 1).forEach((b) => r.add(a, b)));
          const extends_ = [...order.pairs()].every(([a, b]) => p.indexOf(a) < p.indexOf(b));
          expect(lin.has(r)).toBe(extends_);
          if (extends_) count++;
        }
        expect(lin.list(1000)!.length).toBe(count);
        // Not total, or not transitive: never a member.
        expect(lin.has(new Relation(n))).toBe(false);
      }),
      { numRuns: 60 },
    );
  });
});

describe('model files', () => {
  it('parses herd7 syntax: names with dashes, tags, comments, options after the title', () => {
    const f = parseCat(`// SPDX line
"My model" withoutco
(* a (* nested *) comment *)
let A-cumul(r) = (rfe ; [Marked])? ; r
flag ~empty (if "v" then 0 else _) as needs-v
show co, rf
instructions R[Accesses]
`, 'f.cat');
    expect(f.title).toBe('My model');
    expect(f.instrs.map((i) => i.k)).toEqual(['let', 'test', 'ignored', 'ignored']);
  });

  const errorOf = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      if (e instanceof CatError) return `${e.diagnostic.file}:${e.diagnostic.line}:${e.diagnostic.col}: ${e.diagnostic.message}`;
      throw e;
    }
    return 'no error';
  };

  it('reports errors with file:line:column', () => {
    expect(errorOf(() => parseCat('let x = po ;\nacyclic x', 'a.cat'))).toBe("a.cat:2:1: expected an expression, found 'acyclic'");
    expect(errorOf(() => parseCat('let x = (* open', 'b.cat'))).toBe('b.cat:1:9: unterminated comment (* ...');
    expect(errorOf(() => parseCat('let x = po $ rf', 'c.cat'))).toBe("c.cat:1:12: unexpected character '$'");
    const files: Record<string, string> = {
      'dir/m.cat': 'let x = po\ninclude "missing.cat"\n',
      'dir/t.cat': '"t"\nlet bad = po ; R\nacyclic bad as x\n',
      'dir/u.cat': 'acyclic nowhere as x\n',
      'dir/k.cfg': 'bell k.bell\nvariant a,b\n',
    };
    const read: FileReader = (p) => files[p] ?? null;
    const diag = (r: ReturnType<typeof loadCatModel>) => (r.ok ? 'ok' : `${r.diagnostics[0].file}:${r.diagnostics[0].line}:${r.diagnostics[0].col}: ${r.diagnostics[0].message}`);
    expect(diag(loadCatModel({ cat: 'dir/m.cat' }, read))).toMatch(/^dir\/m\.cat:2:1: cannot find "missing\.cat"/);
    expect(diag(loadCatModel({ cat: 'dir/t.cat' }, read))).toBe('dir/t.cat:2:16: a relation is expected here, found an event set');
    expect(diag(loadCatModel({ cat: 'dir/u.cat' }, read))).toBe("dir/u.cat:1:9: unbound name 'nowhere'");
    expect(diag(loadCatModel({ conf: 'dir/k.cfg' }, read))).toBe("dir/k.cfg:1:1: the configuration names no model (a 'model FILE.cat' line)");
  });

  it("reads a .cfg's model, bell, macros and variant lines relative to the file", () => {
    const read: FileReader = (p) => (p === 'm/x.cfg' ? 'macros x.def\nbell x.bell\nmodel x.cat\nvariant v1\ngraph columns\n' : null);
    expect(readConfig('m/x.cfg', read)).toEqual({ cat: 'm/x.cat', bell: 'm/x.bell', macros: 'm/x.def', variants: ['v1'] });
  });

  it('prefers an included file beside the model to the built-in library', () => {
    const files: Record<string, string> = { 'd/m.cat': 'include "cross.cat"\nlet y = mine\n', 'd/cross.cat': 'let mine = po\n' };
    const { instrs } = loadInstructions({ cat: 'd/m.cat', variants: [] }, (p) => files[p] ?? null);
    const compiled = compileModel(instrs, new Set());
    expect(compiled.names.has('mine')).toBe(true);
    expect(compiled.names.has('generate_cos')).toBe(false);
  });
});

describe('.def macro files', () => {
  it('turns definitions into primitives, reading how each parameter is passed from its uses', () => {
    const defs = parseMacros(
      `// comment
READ_ONCE(X) __load{ONCE}(X)
my_load(X) READ_ONCE(*X)
my_store_fence(X,V) { __store{RELEASE}(*X,V); __fence{my-fence}; }
my_test(V,X) __atomic_op_return{MB}(X,+,V) == 0
`,
      'k.def',
    );
    expect(defs.get('READ_ONCE')!.args).toEqual(['lval']);
    expect(defs.get('my_load')!.args).toEqual(['ptr']);
    expect(defs.get('my_store_fence')!.args).toEqual(['ptr', 'val']);
    expect(defs.get('my_test')!.args).toEqual(['val', 'ptr']);
    const emitted: unknown[] = [];
    let temps = 0;
    const b = { emit: (i: unknown) => emitted.push(i), temp: () => `%t${++temps}`, origin: () => ({ pos: { line: 1, col: 1 }, primitive: 'p', site: 0 }), declareReg: () => undefined };
    const result = defs.get('my_store_fence')!.expand(b, [{ k: 'const', v: 'x' }, { k: 'const', v: 1 }], null);
    expect(result).toBeNull();
    expect(emitted).toMatchObject([{ op: 'store', ann: 'RELEASE', addr: { k: 'const', v: 'x' } }, { op: 'fence', ann: 'my-fence' }]);
    emitted.length = 0;
    const v = defs.get('my_test')!.expand(b, [{ k: 'const', v: 2 }, { k: 'const', v: 'y' }], 'r0');
    expect(v).toEqual({ k: 'bin', op: '==', a: { k: 'reg', r: '%t1' }, b: { k: 'const', v: 0 } });
    expect(emitted).toMatchObject([{ op: 'atomic', alu: '+', returns: 'new', dst: '%t1', ann: 'MB' }]);
    // Bit operations, which the kernel's file lacks, stay available.
    expect(defs.has('test_and_set_bit')).toBe(true);
  });

  it('reads C operators with the litmus parser\'s precedences, / and % included', () => {
    const defs = parseMacros('f(X,V) X + V * 2 / 3 % 4 - 1\n', 'k.def');
    const b = { emit: () => undefined, temp: () => '%t', origin: () => ({ pos: { line: 1, col: 1 }, primitive: 'p', site: 0 }), declareReg: () => undefined };
    const c = (v: number) => ({ k: 'const', v });
    // (X + ((((V * 2) / 3) % 4))) - 1, as C and the litmus parser read it.
    expect(defs.get('f')!.expand(b, [c(5), c(7)], 'r0')).toEqual({
      k: 'bin', op: '-', b: c(1),
      a: { k: 'bin', op: '+', a: c(5), b: { k: 'bin', op: '%', b: c(4), a: { k: 'bin', op: '/', b: c(3), a: { k: 'bin', op: '*', a: c(7), b: c(2) } } } },
    });
  });

  it('reports mistakes with file:line:column', () => {
    const err = (text: string) => {
      try {
        parseMacros(text, 'k.def');
        return 'no error';
      } catch (e) {
        const d = (e as CatError).diagnostic;
        return `${d.line}:${d.col}: ${d.message}`;
      }
    };
    expect(err('ok(X) __load{ONCE}(X)\nbad(X) __frob{ONCE}(X)\n')).toMatch(/^2:8: unknown operation __frob/);
    expect(err('f(X) g(X)\n')).toBe('1:6: g is not defined in this file');
    expect(err('f(X) __load{ONCE}(Y)\n')).toBe("1:19: 'Y' is not a parameter of this definition");
  });
});
