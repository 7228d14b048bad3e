// Access to the shared reference corpora (read from ../shared, never copied into the project).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const SHARED = resolve(__dirname, '../../../shared');
export const CORPORA = ['lkmm-kernel', 'herd-catalogue-linux'].map((c) => join(SHARED, 'corpus', c));

export interface HerdExpected {
  name: string;
  states: Set<string>;
  ok: boolean;
  positive: number;
  negative: number;
  observation: string;
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
  return { name, states, ok, positive: Number(w[1]), negative: Number(w[2]), observation: obs[1] };
}

export function corpusTests(): Array<{ file: string; source: string; expected: HerdExpected }> {
  const out = [];
  for (const dir of CORPORA) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!f.endsWith('.litmus') || !existsSync(join(dir, f + '.expected'))) continue;
      out.push({ file: join(dir, f), source: readFileSync(join(dir, f), 'utf8'), expected: parseHerdOutput(readFileSync(join(dir, f + '.expected'), 'utf8')) });
    }
  }
  return out;
}
