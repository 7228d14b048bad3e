// The mutation campaign in small (issue #8): fast-check mutants of the shared corpus files run
// through the whole pipeline must never throw, must report errors inside the file, and must
// finish quickly under small limits. `npm run mutate` runs the same check on 100,000 mutants.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideSource, warningsOf } from '../src/api.js';
import { decodeLitmusBytes } from '../src/cli/files.js';
import { formatDiagnostic } from '../src/diagnostics.js';
import { formatHerd } from '../src/report/herd.js';
import { toJson } from '../src/report/json.js';
import { CORPORA } from './helpers/corpus.js';
// @ts-expect-error: plain JavaScript shared with the campaign script, which runs on dist/.
import { applyMutations, checkMutant, mutantArbitrary } from './campaigns/mutations.mjs';

const lib = { decodeLitmusBytes, decideSource, warningsOf, formatDiagnostic, formatHerd, toJson };
const seeds = CORPORA.flatMap((dir) => readdirSync(dir).filter((f) => f.endsWith('.litmus')).sort().map((f) => new Uint8Array(readFileSync(join(dir, f)))));
const bytes = (s: string) => new Uint8Array(Buffer.from(s, 'latin1'));
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

describe('mutation operators do what they say', () => {
  const src = 'C t\n{ x=0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\n';
  const mutate = (...ops: object[]) => text(applyMutations(bytes(src), ops));

  it.each([
    [{ kind: 'delete-char', at: 0 }, ' t\n{ x=0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\n'],
    [{ kind: 'duplicate-char', at: 2 }, 'C tt\n{ x=0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\n'],
    [{ kind: 'swap-chars', at: 0 }, ' Ct\n{ x=0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\n'],
    [{ kind: 'delete-line', at: 1 }, 'C t\nP0(int *x) { WRITE_ONCE(*x, 1); }\n'],
    [{ kind: 'duplicate-line', at: 1, times: 2 }, 'C t\n{ x=0; }\n{ x=0; }\n{ x=0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\n'],
    [{ kind: 'swap-lines', at: 0, to: 2 }, 'P0(int *x) { WRITE_ONCE(*x, 1); }\n{ x=0; }\nC t\n'],
    [{ kind: 'delete-token', at: 3 }, 'C t\n{ =0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\n'],
    [{ kind: 'duplicate-token', at: 0, times: 1 }, 'C C t\n{ x=0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\n'],
    [{ kind: 'swap-tokens', at: 0, to: 1 }, 't C\n{ x=0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\n'],
    [{ kind: 'insert-bytes', at: 1, bytes: new Uint8Array([0, 0xff]) }, 'C\u0000\u00ff t\n{ x=0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\n'],
    [{ kind: 'insert-fragment', at: 4, fragment: '\u00e9' }, 'C t\n\u00c3\u00a9{ x=0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\n'],
  ])('%j', (op, expected) => {
    expect(mutate(op)).toBe(expected);
  });

  it('applies several edits in order', () => {
    expect(mutate({ kind: 'delete-line', at: 2 }, { kind: 'delete-line', at: 1 })).toBe('C t\n');
  });
});

describe('the mutant check catches what it must', () => {
  const mutant = { model: 'lkmm' };
  const good = bytes(readFileSync(join(CORPORA[0], 'SB+fencembonceonces.litmus'), 'latin1'));

  it('passes a corpus file as it is', () => {
    expect(checkMutant(lib, good, mutant)).toBe('decided');
  });

  it('lets an exception from the library through', () => {
    const crashing = { ...lib, decideSource: () => { throw new TypeError('boom'); } };
    expect(() => checkMutant(crashing, good, mutant)).toThrow('boom');
  });

  it('rejects a diagnostic that points outside the file, or has no message', () => {
    const outside = { ...lib, decideSource: () => ({ ok: false, diagnostics: [{ file: 'mutant.litmus', line: 99, col: 1, severity: 'error', message: 'x' }] }) };
    expect(() => checkMutant(outside, good, mutant)).toThrow('line 99 is past the end');
    const silent = { ...lib, decideSource: () => ({ ok: false, diagnostics: [{ file: 'mutant.litmus', line: 1, col: 1, severity: 'error', message: '' }] }) };
    expect(() => checkMutant(silent, good, mutant)).toThrow('an empty message');
  });

  it('rejects an incomplete result that prints a verdict', () => {
    const claiming = { ...lib, formatHerd: () => 'Observation SB Never 0 3\n' };
    expect(() => checkMutant(claiming, good, mutant)).not.toThrow(); // complete: fine
    const incomplete = { ...lib, decideSource: (s: string, f: string) => decideSource(s, f, { maxExecutions: 1 }), formatHerd: () => 'Observation SB Never 0 1\n' };
    expect(() => checkMutant(incomplete, good, mutant)).toThrow('an incomplete result printed a verdict');
  });
});

describe('mutants of the corpus never crash and never hang', () => {
  it('finds the corpus', () => {
    expect(seeds.length).toBe(114);
  });

  it('1,500 mutants: no uncaught exception, errors inside the file, bounded time', () => {
    const kinds = new Map<string, number>();
    fc.assert(
      fc.property(mutantArbitrary(seeds.length), (m: { seed: number; ops: object[] }) => {
        const start = performance.now();
        const kind: string = checkMutant(lib, applyMutations(seeds[m.seed], m.ops), m);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        // Each mutant runs with --max-executions 300 and a 2 s timeout: it must end soon after.
        expect(performance.now() - start).toBeLessThan(10_000);
      }),
      { numRuns: 1500, seed: 8 },
    );
    // The campaign reaches every stage: refused bytes, errors, decided and incomplete results.
    for (const kind of ['refused-bytes', 'error', 'decided']) expect(kinds.get(kind) ?? 0).toBeGreaterThan(50);
  }, 300_000);
});
