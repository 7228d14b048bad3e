// The bit-matrix relations against a naive model of the same algebra (sets of pairs), on random
// relations of up to 70 events (one to three words per row): the closures, the topological order,
// the fused compositions and the restrictions.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventSet, Relation } from '../src/execution/relation.js';

type Pairs = Set<string>;
const key = (a: number, b: number) => `${a},${b}`;
const pairsOf = (r: Relation): Pairs => new Set(r.pairs().map(([a, b]) => key(a, b)));
const toPairs = (n: number, edges: Array<[number, number]>): Pairs => new Set(edges.filter(([a, b]) => a < n && b < n).map(([a, b]) => key(a, b)));

function naiveSeq(n: number, r: Pairs, s: Pairs): Pairs {
  const out: Pairs = new Set();
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (r.has(key(a, b))) for (let c = 0; c < n; c++) if (s.has(key(b, c))) out.add(key(a, c));
  return out;
}
function naivePlus(n: number, r: Pairs): Pairs {
  let out = new Set(r);
  for (;;) {
    const next = new Set([...out, ...naiveSeq(n, out, r)]);
    if (next.size === out.size) return out;
    out = next;
  }
}

const relationArb = fc.integer({ min: 1, max: 70 }).chain((n) =>
  fc.record({
    n: fc.constant(n),
    r: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 3 * n }),
    s: fc.array(fc.tuple(fc.nat(n - 1), fc.nat(n - 1)), { maxLength: 3 * n }),
    set: fc.array(fc.nat(n - 1), { maxLength: n }),
    forward: fc.boolean(),
  }),
);

describe('relations agree with a naive model', () => {
  it('plus, star, isAcyclic and plusIfAcyclic', () => {
    fc.assert(
      fc.property(relationArb, ({ n, r, forward }) => {
        // Half the cases only have forward edges (acyclic), to exercise the topological pass.
        const edges = forward ? r.filter(([a, b]) => a < b) : r;
        const rel = Relation.ofPairs(n, edges);
        const plus = naivePlus(n, toPairs(n, edges));
        expect(pairsOf(rel.plus())).toEqual(plus);
        const star = new Set(plus);
        for (let i = 0; i < n; i++) star.add(key(i, i));
        expect(pairsOf(rel.star())).toEqual(star);
        const acyclic = [...plus].every((p) => p.split(',')[0] !== p.split(',')[1]);
        expect(rel.isAcyclic()).toBe(acyclic);
        const closed = rel.plusIfAcyclic();
        expect(closed === null).toBe(!acyclic);
        if (closed) expect(pairsOf(closed)).toEqual(plus);
        if (forward) expect(acyclic).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('topologicalOrder puts every edge forward', () => {
    fc.assert(
      fc.property(relationArb, ({ n, r }) => {
        const rel = Relation.ofPairs(n, r.filter(([a, b]) => a < b).map(([a, b]) => [b, a] as [number, number]));
        const order = rel.topologicalOrder();
        expect(order).not.toBeNull();
        const position = new Map<number, number>();
        for (let i = 0; i < n; i++) position.set(order![i], i);
        expect(position.size).toBe(n);
        for (const [a, b] of rel.pairs()) expect(position.get(a)!).toBeLessThan(position.get(b)!);
      }),
      { numRuns: 200 },
    );
  });

  it('seq, seqOr, orWith, restrict, inverse, inter, minus', () => {
    fc.assert(
      fc.property(relationArb, ({ n, r, s, set }) => {
        const a = Relation.ofPairs(n, r);
        const b = Relation.ofPairs(n, s);
        const pa = toPairs(n, r);
        const pb = toPairs(n, s);
        const seq = naiveSeq(n, pa, pb);
        expect(pairsOf(a.seq(b))).toEqual(seq);
        const before = pairsOf(b);
        expect(pairsOf(a.seqOr(b, b))).toEqual(new Set([...seq, ...pb]));
        expect(pairsOf(b)).toEqual(before); // seqOr leaves its base alone
        expect(pairsOf(a.clone().orWith(b))).toEqual(new Set([...pa, ...pb]));
        const S = EventSet.of(n, set);
        const inS = (p: string, i: number) => S.has(Number(p.split(',')[i]));
        expect(pairsOf(a.restrict(S, null))).toEqual(new Set([...pa].filter((p) => inS(p, 0))));
        expect(pairsOf(a.restrict(null, S))).toEqual(new Set([...pa].filter((p) => inS(p, 1))));
        expect(pairsOf(a.restrict(S, S))).toEqual(new Set([...pa].filter((p) => inS(p, 0) && inS(p, 1))));
        expect(pairsOf(a.inverse())).toEqual(new Set([...pa].map((p) => p.split(',').reverse().join(','))));
        expect(pairsOf(a.inter(b))).toEqual(new Set([...pa].filter((p) => pb.has(p))));
        expect(pairsOf(a.minus(b))).toEqual(new Set([...pa].filter((p) => !pb.has(p))));
      }),
      { numRuns: 300 },
    );
  });

  it('relations carved from shared slabs stay independent', () => {
    // Many relations are alive at once: changing one never shows in another.
    const rels = Array.from({ length: 2000 }, (_, i) => Relation.ofPairs(40, [[i % 40, (i * 7) % 40]]));
    rels.forEach((r, i) => r.add((i + 1) % 40, (i + 3) % 40));
    rels.forEach((r, i) => expect(pairsOf(r)).toEqual(new Set([key(i % 40, (i * 7) % 40), key((i + 1) % 40, (i + 3) % 40)])));
  });

  it('delete, size, key, inverseSeqOr and restrictRangeInPlace (the methods that keep the bit layout private)', () => {
    fc.assert(
      fc.property(relationArb, ({ n, r, s, set }) => {
        const R = toPairs(n, r);
        const S = toPairs(n, s);
        const T = new Set(set);
        const rel = Relation.ofPairs(n, r);
        const other = Relation.ofPairs(n, s);
        // delete removes exactly its pair (and nothing when absent), in place.
        const del = rel.clone();
        const gone: Pairs = new Set(R);
        for (const [a, b] of s) {
          del.delete(a, b);
          gone.delete(key(a, b));
        }
        expect(pairsOf(del)).toEqual(gone);
        expect(pairsOf(rel)).toEqual(R);
        expect(rel.size()).toBe(R.size);
        expect(del.size()).toBe(gone.size);
        // Equal relations share a key, different ones do not.
        expect(rel.key() === other.key()).toBe(R.size === S.size && [...R].every((p) => S.has(p)));
        expect(Relation.ofPairs(n, [...r].reverse()).key()).toBe(rel.key());
        // base | r^-1 ; o, with base = o (co | fr) and with another base.
        const inv: Pairs = new Set([...R].map((p) => p.split(',').reverse().join(',')));
        expect(pairsOf(rel.inverseSeqOr(other, other))).toEqual(new Set([...S, ...naiveSeq(n, inv, S)]));
        expect(pairsOf(rel.inverseSeqOr(other, rel))).toEqual(new Set([...R, ...naiveSeq(n, inv, S)]));
        // r ; [T], in place.
        const restricted = rel.clone();
        restricted.restrictRangeInPlace(EventSet.of(n, set));
        expect(pairsOf(restricted)).toEqual(new Set([...R].filter((p) => T.has(Number(p.split(',')[1])))));
      }),
      { numRuns: 300 },
    );
  });
});
