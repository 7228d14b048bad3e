// Every test of both shared corpora, through the library API, against herd7's recorded output.
import { describe, expect, it } from 'vitest';
import { decideSource } from '../src/api.js';
import { formatHerd } from '../src/report/herd.js';
import { corpusTests, parseHerdOutput } from './helpers/corpus.js';

const tests = corpusTests();

describe('herd7 parity on the shared corpora', () => {
  it('finds all 114 corpus tests', () => {
    expect(tests.length).toBe(114);
  });
  for (const t of tests) {
    it(t.file.split('/').slice(-2).join('/'), () => {
      const res = decideSource(t.source, t.file);
      if (!res.ok) throw new Error(res.diagnostics.map((d) => d.message).join('\n'));
      const got = parseHerdOutput(formatHerd(res.result));
      expect(got.name).toBe(t.expected.name);
      expect(got.observation).toBe(t.expected.observation);
      expect(got.ok).toBe(t.expected.ok);
      expect([got.positive, got.negative]).toEqual([t.expected.positive, t.expected.negative]);
      expect([...got.states].sort()).toEqual([...t.expected.states].sort());
    });
  }
});
