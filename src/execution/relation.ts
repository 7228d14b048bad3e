// Binary relations and sets over the events of one execution, as bit matrices.
// Executions are small (tens of events), so dense bitsets beat any sparse form.

// Bit arrays are carved out of shared slabs. A typed array of more than 64 bytes gets its own
// off-heap buffer, which costs about 25 times a view on an existing one, and a model's check
// makes dozens of short-lived relations per candidate. A slab is freed once no view is left.
const SLAB_WORDS = 1 << 14;
let slab = new Uint32Array(SLAB_WORDS);
let slabUsed = 0;

/** A zeroed array of len words. */
function zeroed(len: number): Uint32Array {
  if (len <= 16 || len > SLAB_WORDS >>> 3) return new Uint32Array(len);
  if (slabUsed + len > SLAB_WORDS) {
    slab = new Uint32Array(SLAB_WORDS);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + len);
  slabUsed += len;
  return out;
}

// Scratch space for topologicalOrder (the checks run one at a time).
let scratchOrder = new Int32Array(64);
let scratchIndegree = new Int32Array(64);

/** A copy of words, in a slab. */
function copied(words: Uint32Array): Uint32Array {
  const out = zeroed(words.length);
  out.set(words);
  return out;
}

export class EventSet {
  readonly words: Uint32Array;
  constructor(readonly n: number, words?: Uint32Array) {
    this.words = words ?? zeroed((n + 31) >>> 5);
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
    const w = zeroed(this.words.length);
    for (let k = 0; k < w.length; k++) w[k] = this.words[k] | o.words[k];
    return new EventSet(this.n, w);
  }
  inter(o: EventSet): EventSet {
    const w = zeroed(this.words.length);
    for (let k = 0; k < w.length; k++) w[k] = this.words[k] & o.words[k];
    return new EventSet(this.n, w);
  }
  minus(o: EventSet): EventSet {
    const w = zeroed(this.words.length);
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
  /** Words per row; the bit layout is this class's alone (row a, bit b: bits[a * stride + (b >>> 5)] bit b & 31). */
  private readonly stride: number;
  private readonly bits: Uint32Array;
  constructor(readonly n: number, bits?: Uint32Array) {
    this.stride = (n + 31) >>> 5;
    this.bits = bits ?? zeroed(this.stride * n);
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
    return new Relation(this.n, copied(this.bits));
  }
  /**
   * A copy in a buffer of its own, for a relation kept long (an execution handed out): a slab
   * stays alive while any view on it does, so keeping one clone could keep 64 KiB.
   */
  detached(): Relation {
    return new Relation(this.n, this.bits.slice());
  }
  add(a: number, b: number): void {
    this.bits[a * this.stride + (b >>> 5)] |= 1 << (b & 31);
  }
  has(a: number, b: number): boolean {
    return (this.bits[a * this.stride + (b >>> 5)] & (1 << (b & 31))) !== 0;
  }
  /** Remove the pair (a, b), in place: only on a relation the caller owns. */
  delete(a: number, b: number): void {
    this.bits[a * this.stride + (b >>> 5)] &= ~(1 << (b & 31));
  }
  /** The number of pairs. */
  size(): number {
    let c = 0;
    const bits = this.bits;
    for (let k = 0; k < bits.length; k++) {
      let w = bits[k];
      while (w !== 0) {
        w &= w - 1;
        c++;
      }
    }
    return c;
  }
  /** A string that equal relations over the same n share (for memo tables). */
  key(): string {
    return this.bits.join();
  }
  union(...others: Relation[]): Relation {
    const out = copied(this.bits);
    for (const o of others) for (let k = 0; k < out.length; k++) out[k] |= o.bits[k];
    return new Relation(this.n, out);
  }
  inter(o: Relation): Relation {
    const out = zeroed(this.bits.length);
    const a = this.bits;
    const b = o.bits;
    for (let k = 0; k < out.length; k++) out[k] = a[k] & b[k];
    return new Relation(this.n, out);
  }
  minus(o: Relation): Relation {
    const out = zeroed(this.bits.length);
    const a = this.bits;
    const b = o.bits;
    for (let k = 0; k < out.length; k++) out[k] = a[k] & ~b[k];
    return new Relation(this.n, out);
  }
  /** Sequential composition r ; o. */
  seq(o: Relation): Relation {
    return this.seqOnto(o, zeroed(this.bits.length));
  }
  /** base | r ; o, in one pass (base is not changed). */
  seqOr(o: Relation, base: Relation): Relation {
    return this.seqOnto(o, copied(base.bits));
  }
  private seqOnto(o: Relation, out: Uint32Array): Relation {
    const n = this.n;
    const s = this.stride;
    const a = this.bits;
    const b = o.bits;
    for (let row = 0; row < n; row++) {
      const rowA = row * s;
      for (let kw = 0; kw < s; kw++) {
        let w = a[rowA + kw];
        while (w !== 0) {
          const t = w & -w;
          w ^= t;
          const rowB = ((kw << 5) + (31 - Math.clz32(t))) * s;
          for (let k = 0; k < s; k++) out[rowA + k] |= b[rowB + k];
        }
      }
    }
    return new Relation(n, out);
  }
  /**
   * base | r^-1 ; o, in one pass (base is not changed): each range element b of r gets the rows
   * of o of the a with (a, b) in r. With r = rf and o = base = co, co | fr.
   */
  inverseSeqOr(o: Relation, base: Relation): Relation {
    const n = this.n;
    const s = this.stride;
    const a = this.bits;
    const b = o.bits;
    const out = copied(base.bits);
    for (let row = 0; row < n; row++) {
      const rowA = row * s;
      for (let kw = 0; kw < s; kw++) {
        let w = a[rowA + kw];
        while (w !== 0) {
          const t = w & -w;
          w ^= t;
          const rowOut = ((kw << 5) + (31 - Math.clz32(t))) * s;
          for (let k = 0; k < s; k++) out[rowOut + k] |= b[rowA + k];
        }
      }
    }
    return new Relation(n, out);
  }
  /** r ; [T], in place: only on a relation the caller owns. */
  restrictRangeInPlace(to: EventSet): void {
    const s = this.stride;
    const bits = this.bits;
    for (let row = 0; row < bits.length; row += s) for (let k = 0; k < s; k++) bits[row + k] &= to.words[k];
  }
  /** r |= o, in place: only on a relation just built, never on a shared one. */
  orWith(o: Relation): Relation {
    const a = this.bits;
    const b = o.bits;
    for (let k = 0; k < a.length; k++) a[k] |= b[k];
    return this;
  }
  inverse(): Relation {
    const r = new Relation(this.n);
    this.forEachPair((a, b) => r.add(b, a));
    return r;
  }
  /** Restrict the domain to S and the range to T: [S] ; r ; [T]. */
  restrict(from: EventSet | null, to: EventSet | null): Relation {
    const out = zeroed(this.bits.length);
    const s = this.stride;
    const bits = this.bits;
    for (let a = 0; a < this.n; a++) {
      if (from && (from.words[a >>> 5] & (1 << (a & 31))) === 0) continue;
      const row = a * s;
      if (to) for (let k = 0; k < s; k++) out[row + k] = bits[row + k] & to.words[k];
      else for (let k = 0; k < s; k++) out[row + k] = bits[row + k];
    }
    return new Relation(this.n, out);
  }
  /** r+: by one pass in topological order when r is acyclic, else by Warshall's algorithm. */
  plus(): Relation {
    return this.plusIfAcyclic() ?? this.plusWarshall();
  }
  /**
   * r+ when r is acyclic, null when it has a cycle. Each row is its own successors and their
   * closed rows, taken in reverse topological order: O(edges x words), where Warshall's
   * algorithm costs O(n^2) bit tests however sparse r is.
   */
  plusIfAcyclic(): Relation | null {
    const order = this.topologicalOrder();
    if (order === null) return null;
    const s = this.stride;
    const out = copied(this.bits);
    for (let i = this.n - 1; i >= 0; i--) {
      const a = order[i];
      const rowA = a * s;
      for (let kw = 0; kw < s; kw++) {
        let w = this.bits[rowA + kw];
        while (w !== 0) {
          const t = w & -w;
          w ^= t;
          const rowB = ((kw << 5) + (31 - Math.clz32(t))) * s;
          for (let k = 0; k < s; k++) out[rowA + k] |= out[rowB + k];
        }
      }
    }
    return new Relation(this.n, out);
  }
  /**
   * The events in an order where every edge goes forward (Kahn's algorithm), or null on a cycle.
   * The order is written to a scratch array shared by all relations: read it before the next call.
   */
  topologicalOrder(): Int32Array | null {
    const n = this.n;
    const s = this.stride;
    const bits = this.bits;
    if (scratchOrder.length < n) {
      scratchOrder = new Int32Array(n * 2);
      scratchIndegree = new Int32Array(n * 2);
    }
    const indegree = scratchIndegree;
    indegree.fill(0, 0, n);
    for (let k = 0; k < bits.length; k++) {
      let w = bits[k];
      const base = (k % s) << 5;
      while (w !== 0) {
        const t = w & -w;
        w ^= t;
        indegree[base + (31 - Math.clz32(t))]++;
      }
    }
    const order = scratchOrder;
    let tail = 0;
    for (let i = 0; i < n; i++) if (indegree[i] === 0) order[tail++] = i;
    for (let head = 0; head < tail; head++) {
      const row = order[head] * s;
      for (let kw = 0; kw < s; kw++) {
        let w = bits[row + kw];
        while (w !== 0) {
          const t = w & -w;
          w ^= t;
          const b = (kw << 5) + (31 - Math.clz32(t));
          if (--indegree[b] === 0) order[tail++] = b;
        }
      }
    }
    return tail === n ? order : null;
  }
  private plusWarshall(): Relation {
    const n = this.n;
    const s = this.stride;
    const out = copied(this.bits);
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
    return this.plus().withIdentity();
  }
  /** r? = r | id. */
  opt(): Relation {
    return this.clone().withIdentity();
  }
  /** r | id, in place: only on a relation just built. */
  private withIdentity(): Relation {
    const s = this.stride;
    for (let i = 0; i < this.n; i++) this.bits[i * s + (i >>> 5)] |= 1 << (i & 31);
    return this;
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
    return this.topologicalOrder() !== null;
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
  pairs(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    this.forEachPair((a, b) => out.push([a, b]));
    return out;
  }
  /** Every pair, row by row, by the set bits of each word. */
  private forEachPair(f: (a: number, b: number) => void): void {
    const s = this.stride;
    for (let a = 0; a < this.n; a++) {
      for (let kw = 0; kw < s; kw++) {
        let w = this.bits[a * s + kw];
        while (w !== 0) {
          const t = w & -w;
          w ^= t;
          f(a, (kw << 5) + (31 - Math.clz32(t)));
        }
      }
    }
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
