// Access to the shared reference corpora (read from ../shared, never copied into the project).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED = resolve(__dirname, '../../../shared');
export const CORPORA = ['lkmm-kernel', 'herd-catalogue-linux'].map((c) => join(SHARED, 'corpus', c));
/** The kernel community's corpus (paulmckrcu/litmus, half of it), in folders. */
export const PAULMCK = join(SHARED, 'corpus', 'paulmck');

export interface HerdExpected {
  name: string;
  states: Set<string>;
  ok: boolean;
  positive: number;
  negative: number;
  observation: string;
  /** `Flag` lines, e.g. data-race. */
  flags: string[];
}

/** Parse a herd7 result block (the .expected files). */
export function parseHerdOutput(text: string): HerdExpected {
  const lines = text.split('\n');
  const name = /^Test (\S+)/.exec(lines.find((l) => l.startsWith('Test ')) ?? '')?.[1] ?? '';
  const states = new Set<string>();
  let i = lines.findIndex((l) => l.startsWith('States '));
  for (i++; i < lines.length && !/^(Ok|No)$/.test(lines[i]); i++) {
    states.add(lines[i].split(';').map((s) => s.trim()).filter(Boolean).sort().join('; '));
  }
  const ok = lines[i] === 'Ok';
  const w = /Positive: (\d+) Negative: (\d+)/.exec(text)!;
  const obs = /^Observation \S+ (\S+)/m.exec(text)!;
  const flags = lines.filter((l) => l.startsWith('Flag ')).map((l) => l.slice(5).trim()).sort();
  return { name, states, ok, positive: Number(w[1]), negative: Number(w[2]), observation: obs[1], flags };
}

export interface CorpusTest {
  file: string;
  source: string;
  expected: HerdExpected;
}

/** Every X.litmus with an X.litmus.expected beside it, under `dirs` (recursively), in path order. */
export function corpusTests(dirs: readonly string[] = CORPORA): CorpusTest[] {
  const out: CorpusTest[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.litmus') && existsSync(path + '.expected')) {
        out.push({ file: path, source: readFileSync(path, 'utf8'), expected: parseHerdOutput(readFileSync(path + '.expected', 'utf8')) });
      }
    }
  };
  for (const dir of dirs) if (existsSync(dir)) walk(dir);
  return out;
}
