// The generators draw from the primitive table: a primitive added to lower/primitives.ts that no
// generator can produce fails here, and each one the call generator produces builds a test that
// lowers and on which the two engines agree (store buffering around the call, under SC and TSO).
import { describe, expect, it } from 'vitest';
import { LKMM_PRIMITIVES } from '../src/lower/primitives.js';
import { CRITICAL_SECTION_PRIMITIVES, FUZZ_PRIMITIVES } from '../src/fuzz/primitives.js';
import { buildTest, type ProgramSpec } from '../src/fuzz/generate.js';
import { printLitmus } from '../src/parse/print.js';
import { bindProperty } from '../src/fuzz/properties.js';

describe('fuzzing every primitive', () => {
  it('every primitive of the table has a generator', () => {
    const produced = new Set([...FUZZ_PRIMITIVES.map((p) => p.name), ...CRITICAL_SECTION_PRIMITIVES]);
    expect([...LKMM_PRIMITIVES.keys()].filter((n) => !produced.has(n))).toEqual([]);
  });

  it('each call builds a test the engines agree on', () => {
    const prop = bindProperty('engines-agree', { models: ['sc', 'tso'] });
    if (!prop) throw new Error('no engines-agree');
    const failures: string[] = [];
    for (const p of FUZZ_PRIMITIVES) {
      // SB with the call between P0's write and read, and smp_mb() in P1.
      const spec: ProgramSpec = {
        locations: 2,
        threads: [
          [{ k: 'store', kind: 'once', loc: 0, value: { k: 'const', v: 1 } }, { k: 'call', name: p.name, loc: 2, vals: [1, 0] }, { k: 'load', kind: 'once', loc: 1 }],
          [{ k: 'store', kind: 'once', loc: 1, value: { k: 'const', v: 1 } }, { k: 'fence', kind: 'smp_mb' }, { k: 'load', kind: 'once', loc: 0 }],
        ],
      };
      const text = printLitmus(buildTest(spec));
      expect(text).toContain(`${p.name}(`);
      const v = prop.checkFiles([text]);
      if (!v.ok) failures.push(`${p.name}: ${v.message}\n${text}`);
      else if (v.skipped) failures.push(`${p.name}: skipped (${v.skipped})`);
    }
    expect(failures).toEqual([]);
  }, 300_000);

  it('spin_lock and spin_unlock come from the critical-section generator', () => {
    const text = printLitmus(buildTest({ locations: 1, threads: [[{ k: 'critical', locked: true, body: [{ k: 'load', kind: 'once', loc: 0 }] }], [{ k: 'load', kind: 'once', loc: 0 }]] }));
    for (const n of CRITICAL_SECTION_PRIMITIVES) expect(text).toContain(`${n}(`);
  });
});
