// Integers as the kernel's 64-bit longs (vcpu->requests is a u64; set_bit() works on unsigned
// long). A value is a JS number while it is a safe integer (every test without 64-bit masks
// stays on plain numbers, as fast as before) and a bigint beyond: each integer has exactly one
// representation, so `===`, Map keys and String() stay what they were. Arithmetic wraps at 64
// bits, two's complement (herd7's values are 64-bit too).

/** An integer value: a number when it is a safe integer, else a bigint (never a safe one). */
export type Int = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The one representation of a 64-bit integer: wrapped to signed 64 bits, a number if safe. */
export function normInt(b: bigint): Int {
  const w = BigInt.asIntN(64, b);
  return w <= MAX_SAFE && w >= -MAX_SAFE ? Number(w) : w;
}

const big = (x: Int): bigint => (typeof x === 'bigint' ? x : BigInt(x));
const isInt32 = (x: Int): x is number => typeof x === 'number' && (x | 0) === x;

/** `x OP y` for the C operators on 64-bit integers; null for an operator that is not one of them. */
export function intBinary(op: string, x: Int, y: Int): Int | null {
  switch (op) {
    case '+':
    case '-':
    case '*': {
      if (typeof x === 'number' && typeof y === 'number') {
        const r = op === '+' ? x + y : op === '-' ? x - y : x * y;
        if (Number.isSafeInteger(r)) return r;
      }
      const a = big(x);
      const b = big(y);
      return normInt(op === '+' ? a + b : op === '-' ? a - b : a * b);
    }
    case '/':
      return typeof x === 'number' && typeof y === 'number' ? Math.trunc(x / y) : normInt(big(x) / big(y));
    case '%':
      return typeof x === 'number' && typeof y === 'number' ? x % y : normInt(big(x) % big(y));
    case '&':
    case '|':
    case '^':
    case '&~':
      if (isInt32(x) && isInt32(y)) return op === '&' ? x & y : op === '|' ? x | y : op === '^' ? x ^ y : x & ~y;
      return normInt(op === '&' ? big(x) & big(y) : op === '|' ? big(x) | big(y) : op === '^' ? big(x) ^ big(y) : big(x) & ~big(y));
    case '<<':
    case '>>': {
      // The count as x86-64's shifts take it (mod 64); C leaves larger counts undefined.
      const n = Number(BigInt.asUintN(6, big(y)));
      if (typeof x === 'number') {
        const r = op === '<<' ? x * 2 ** n : Math.floor(x / 2 ** n);
        if (Number.isSafeInteger(r)) return r;
      }
      return normInt(op === '<<' ? big(x) << BigInt(n) : big(x) >> BigInt(n));
    }
    case '<':
      return x < y ? 1 : 0;
    case '>':
      return x > y ? 1 : 0;
    case '<=':
      return x <= y ? 1 : 0;
    case '>=':
      return x >= y ? 1 : 0;
  }
  return null;
}

/** `-x` and `~x` on 64-bit integers. */
export function intUnary(op: '-' | '~', x: Int): Int {
  if (isInt32(x)) return op === '-' ? 0 - x : ~x;
  return normInt(op === '-' ? -big(x) : ~big(x));
}

/** Order of two integers (for sorting states). */
export function compareInts(x: Int, y: Int): number {
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A decimal integer as printed (herd7's states, the hw harness' output): exact beyond 2^53. */
export function parseInt64(s: string): Int {
  return normInt(BigInt(s));
}

/** A literal as the parser read it (a bigint beyond 2^53, up to 2^64 - 1) as a 64-bit value. */
export function literalInt(v: number | bigint): Int {
  return typeof v === 'bigint' ? normInt(v) : v;
}
