// One herd7-parity case per corpus test: our herd-format output against herd7's recorded one.
import { expect, it } from 'vitest';
import { decideSource } from '../../src/api.js';
import { formatHerd } from '../../src/report/herd.js';
import { parseHerdOutput, type CorpusTest } from './corpus.js';

const SYMBOL = /\bS\d+\b/g;

/**
 * Whether two lists of final states are the same once self-justified values (herd7's symbols,
 * S<n>) are renamed one-to-one: herd7 names them after its internal counter, so a checker that
 * finds the same symbols may number them otherwise. Everything else compares exactly.
 */
export function sameStatesUpToRenaming(ours: readonly string[], theirs: readonly string[]): boolean {
  const symbols = (states: readonly string[]) => [...new Set(states.flatMap((s) => s.match(SYMBOL) ?? []))];
  const mine = symbols(ours);
  const target = symbols(theirs);
  if (mine.length !== target.length || ours.length !== theirs.length) return false;
  const want = [...theirs].sort().join('\n');
  const rename = (order: string[]) => {
    const to = new Map(mine.map((s, i) => [s, order[i]]));
    return ours.map((s) => s.replace(SYMBOL, (m) => to.get(m)!)).sort().join('\n');
  };
  // Few symbols per test (one per cycle): trying every one-to-one renaming is cheap.
  const search = (order: string[], left: string[]): boolean =>
    left.length === 0 ? rename(order) === want : left.some((s, i) => search([...order, s], [...left.slice(0, i), ...left.slice(i + 1)]));
  return search([], target);
}

export function parityCase(t: CorpusTest, key: string): void {
  it(key, () => {
    const res = decideSource(t.source, t.file);
    if (!res.ok) throw new Error(res.diagnostics.map((d) => `${d.line}:${d.col}: ${d.message}`).join('\n'));
    const got = parseHerdOutput(formatHerd(res.result));
    expect(got.name).toBe(t.expected.name);
    expect(got.observation).toBe(t.expected.observation);
    expect(got.ok).toBe(t.expected.ok);
    expect([got.positive, got.negative]).toEqual([t.expected.positive, t.expected.negative]);
    expect(got.flags).toEqual(t.expected.flags);
    if (!sameStatesUpToRenaming([...got.states], [...t.expected.states])) expect([...got.states].sort()).toEqual([...t.expected.states].sort());
  });
}
