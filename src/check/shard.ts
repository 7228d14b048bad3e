// Splitting a suite across CI machines: `--shard i/n` takes every n-th test of the sorted list,
// starting at the i-th. Every machine sorts the same paths the same way, so the n shards
// together run each test exactly once, and each gets an equal share (within one).

export interface Shard {
  /** 1-based: 1..count. */
  index: number;
  count: number;
}

/** Parse `i/n` (1 <= i <= n); null when malformed. */
export function parseShard(text: string): Shard | null {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) return null;
  return { index, count };
}

/** Paths compare by their '/'-separated form, code unit by code unit, whatever the locale. */
export function shardKey(path: string): string {
  return path.replace(/\\/g, '/');
}

/** The tests this shard runs, in sorted order. */
export function selectShard(paths: readonly string[], shard: Shard): string[] {
  const sorted = [...new Set(paths)].sort((a, b) => (shardKey(a) < shardKey(b) ? -1 : shardKey(a) > shardKey(b) ? 1 : 0));
  return sorted.filter((_, k) => k % shard.count === shard.index - 1);
}
