// Binary relations and sets over the events of one execution, as bit matrices.
// Executions are small (tens of events), so dense bitsets beat any sparse form.

export class EventSet {
  readonly words: Uint32Array;
  constructor(readonly n: number, words?: Uint32Array) {
    this.words = words ?? new Uint32Array((n + 31) >>> 5);
  }
  static of(n: number, members: Iterable<number>): EventSet {
    const s = new EventSet(n);
    for (const m of members) s.add(m);
    return s;
  }
  static where(n: number, pred: (i: number) => boolean): EventSet {
    const s = new EventSet(n);
    for (let i = 0; i < n; i++) if (pred(i)) s.add(i);
    return s;
  }
  add(i: number): void {
    this.words[i >>> 5] |= 1 << (i & 31);
  }
  has(i: number): boolean {
    return (this.words[i >>> 5] & (1 << (i & 31))) !== 0;
  }
  union(o: EventSet): EventSet {
    const w = new Uint32Array(this.words.length);
    for (let k = 0; k < w.length; k++) w[k] = this.words[k] | o.words[k];
    return new EventSet(this.n, w);
  }
  inter(o: EventSet): EventSet {
    const w = new Uint32Array(this.words.length);
    for (let k = 0; k < w.length; k++) w[k] = this.words[k] & o.words[k];
    return new EventSet(this.n, w);
  }
  minus(o: EventSet): EventSet {
    const w = new Uint32Array(this.words.length);
    for (let k = 0; k < w.length; k++) w[k] = this.words[k] & ~o.words[k];
    return new EventSet(this.n, w);
  }
  complement(): EventSet {
    const s = new EventSet(this.n);
    for (let i = 0; i < this.n; i++) if (!this.has(i)) s.add(i);
    return s;
  }
  isEmpty(): boolean {
    for (let k = 0; k < this.words.length; k++) if (this.words[k] !== 0) return false;
    return true;
  }
  equals(o: EventSet): boolean {
    for (let k = 0; k < this.words.length; k++) if (this.words[k] !== o.words[k]) return false;
    return true;
  }
  *members(): IterableIterator<number> {
    for (let i = 0; i < this.n; i++) if (this.has(i)) yield i;
  }
  size(): number {
    let c = 0;
    for (let i = 0; i < this.n; i++) if (this.has(i)) c++;
    return c;
  }
}

/** A relation over events 0..n-1: row i holds the successors of i. */
export class Relation {
  readonly stride: number;
  readonly bits: Uint32Array;
  constructor(readonly n: number, bits?: Uint32Array) {
    this.stride = (n + 31) >>> 5;
    this.bits = bits ?? new Uint32Array(this.stride * n);
  }
  static empty(n: number): Relation {
    return new Relation(n);
  }
  static identity(n: number): Relation {
    const r = new Relation(n);
    for (let i = 0; i < n; i++) r.add(i, i);
    return r;
  }
  /** [S]: the identity restricted to S. */
  static ofSet(s: EventSet): Relation {
    const r = new Relation(s.n);
    for (let i = 0; i < s.n; i++) if (s.has(i)) r.add(i, i);
    return r;
  }
  /** S * T: every pair from S to T. */
  static cross(s: EventSet, t: EventSet): Relation {
    const r = new Relation(s.n);
    for (let i = 0; i < s.n; i++) {
      if (!s.has(i)) continue;
      const base = i * r.stride;
      for (let k = 0; k < r.stride; k++) r.bits[base + k] = t.words[k];
    }
    return r;
  }
  static where(n: number, pred: (a: number, b: number) => boolean): Relation {
    const r = new Relation(n);
    for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (pred(a, b)) r.add(a, b);
    return r;
  }
  static ofPairs(n: number, pairs: Iterable<readonly [number, number]>): Relation {
    const r = new Relation(n);
    for (const [a, b] of pairs) r.add(a, b);
    return r;
  }
  clone(): Relation {
    return new Relation(this.n, this.bits.slice());
  }
  add(a: number, b: number): void {
    this.bits[a * this.stride + (b >>> 5)] |= 1 << (b & 31);
  }
  has(a: number, b: number): boolean {
    return (this.bits[a * this.stride + (b >>> 5)] & (1 << (b & 31))) !== 0;
  }
  private zip(o: Relation, f: (x: number, y: number) => number): Relation {
    const out = new Uint32Array(this.bits.length);
    const a = this.bits;
    const b = o.bits;
    for (let k = 0; k < out.length; k++) out[k] = f(a[k], b[k]);
    return new Relation(this.n, out);
  }
  union(...others: Relation[]): Relation {
    const out = this.bits.slice();
    for (const o of others) for (let k = 0; k < out.length; k++) out[k] |= o.bits[k];
    return new Relation(this.n, out);
  }
  inter(o: Relation): Relation {
    return this.zip(o, (x, y) => x & y);
  }
  minus(o: Relation): Relation {
    return this.zip(o, (x, y) => x & ~y);
  }
  /** Sequential composition r ; o. */
  seq(o: Relation): Relation {
    const n = this.n;
    const s = this.stride;
    const out = new Uint32Array(this.bits.length);
    for (let a = 0; a < n; a++) {
      const rowA = a * s;
      for (let kw = 0; kw < s; kw++) {
        let w = this.bits[rowA + kw];
        while (w !== 0) {
          const t = w & -w;
          const b = (kw << 5) + (31 - Math.clz32(t));
          w ^= t;
          const rowB = b * s;
          for (let k = 0; k < s; k++) out[rowA + k] |= o.bits[rowB + k];
        }
      }
    }
    return new Relation(n, out);
  }
  inverse(): Relation {
    const r = new Relation(this.n);
    for (const [a, b] of this.pairs()) r.add(b, a);
    return r;
  }
  /** Restrict the domain to S and the range to T: [S] ; r ; [T]. */
  restrict(s: EventSet | null, t: EventSet | null): Relation {
    const out = new Uint32Array(this.bits.length);
    for (let a = 0; a < this.n; a++) {
      if (s && !s.has(a)) continue;
      const row = a * this.stride;
      for (let k = 0; k < this.stride; k++) out[row + k] = t ? this.bits[row + k] & t.words[k] : this.bits[row + k];
    }
    return new Relation(this.n, out);
  }
  /** r+ by Warshall's algorithm on bit rows. */
  plus(): Relation {
    const n = this.n;
    const s = this.stride;
    const out = this.bits.slice();
    for (let k = 0; k < n; k++) {
      const rowK = k * s;
      const bit = 1 << (k & 31);
      const word = k >>> 5;
      for (let i = 0; i < n; i++) {
        const rowI = i * s;
        if ((out[rowI + word] & bit) !== 0) for (let j = 0; j < s; j++) out[rowI + j] |= out[rowK + j];
      }
    }
    return new Relation(n, out);
  }
  /** r* = r+ | id. */
  star(): Relation {
    const p = this.plus();
    for (let i = 0; i < this.n; i++) p.add(i, i);
    return p;
  }
  /** r? = r | id. */
  opt(): Relation {
    const p = this.clone();
    for (let i = 0; i < this.n; i++) p.add(i, i);
    return p;
  }
  isEmpty(): boolean {
    for (let k = 0; k < this.bits.length; k++) if (this.bits[k] !== 0) return false;
    return true;
  }
  isIrreflexive(): boolean {
    for (let i = 0; i < this.n; i++) if (this.has(i, i)) return false;
    return true;
  }
  isAcyclic(): boolean {
    return this.plus().isIrreflexive();
  }
  equals(o: Relation): boolean {
    for (let k = 0; k < this.bits.length; k++) if (this.bits[k] !== o.bits[k]) return false;
    return true;
  }
  domain(): EventSet {
    const s = new EventSet(this.n);
    for (let a = 0; a < this.n; a++) {
      const row = a * this.stride;
      for (let k = 0; k < this.stride; k++) if (this.bits[row + k] !== 0) {
        s.add(a);
        break;
      }
    }
    return s;
  }
  range(): EventSet {
    const s = new EventSet(this.n);
    for (let a = 0; a < this.n; a++) {
      const row = a * this.stride;
      for (let k = 0; k < this.stride; k++) s.words[k] |= this.bits[row + k];
    }
    return s;
  }
  *pairs(): IterableIterator<[number, number]> {
    for (let a = 0; a < this.n; a++) yield* this.successors(a);
  }
  /** A cycle as a list of events, if there is one (for explanations). */
  findCycle(): number[] | null {
    const n = this.n;
    const colour = new Uint8Array(n);
    for (let start = 0; start < n; start++) {
      if (colour[start] !== 0) continue;
      const stack: Array<[number, Iterator<[number, number]>]> = [];
      const succ = (a: number) => this.successors(a)[Symbol.iterator]();
      colour[start] = 1;
      stack.push([start, succ(start)]);
      while (stack.length > 0) {
        const top = stack[stack.length - 1];
        const nx = top[1].next();
        if (nx.done) {
          colour[top[0]] = 2;
          stack.pop();
          continue;
        }
        const b = nx.value[1];
        if (colour[b] === 1) {
          const cycle = [b];
          for (let k = stack.length - 1; k >= 0 && stack[k][0] !== b; k--) cycle.push(stack[k][0]);
          return cycle.reverse();
        }
        if (colour[b] === 0) {
          colour[b] = 1;
          stack.push([b, succ(b)]);
        }
      }
    }
    return null;
  }
  *successors(a: number): IterableIterator<[number, number]> {
    const row = a * this.stride;
    for (let kw = 0; kw < this.stride; kw++) {
      let w = this.bits[row + kw];
      while (w !== 0) {
        const t = w & -w;
        w ^= t;
        yield [a, (kw << 5) + (31 - Math.clz32(t))];
      }
    }
  }
}
