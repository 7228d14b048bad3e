// herd7's -show/-o/-gv for the drop-in: the executions shown (those satisfying the condition, and
// with -through the ones the model rejects) as one DOT file per test, NAME.dot in the -o
// directory (herd7's layout), or NAME.svg with -gv (drawn here: no viewer is started).
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DecideOptions } from '../api.js';
import { explainSource } from '../explain/explain.js';
import { dotToSvg } from '../explain/svg.js';
import { dotFiles } from './explain.js';
import type { Herd7Args } from './herd7-args.js';
import { writeErr } from './write-sync.js';

export async function writeGraphs(file: string, source: string, a: Herd7Args, options: DecideOptions): Promise<void> {
  const res = explainSource(source, file, { model: options.model, lower: options.lower, timeoutMs: options.timeoutMs, witnesses: a.nshow ?? 100 });
  if (!res.ok) return;
  const x = res.explanation;
  // -show prop: the executions satisfying the proposition; rejected ones only with -through.
  if (x.kind !== 'reachable' && a.through === 'none') return;
  const graphs = dotFiles(x).slice(0, a.nshow ?? Infinity);
  if (graphs.length === 0) return;
  const dir = a.outputDir ?? mkdtempSync(join(tmpdir(), 'herd7-'));
  mkdirSync(dir, { recursive: true });
  const base = join(dir, x.name.replace(/[^A-Za-z0-9._+-]/g, '_'));
  const dot = graphs.map((g) => g.dot).join('\n');
  if (a.gv) {
    const svgs = await Promise.all(graphs.map((g) => dotToSvg(g.dot)));
    svgs.forEach((svg, i) => writeFileSync(`${base}${graphs.length > 1 ? `-${i + 1}` : ''}.svg`, svg));
    if (a.outputDir === undefined) writeErr(`herd7: graphs of ${x.name} in ${dir}\n`);
  }
  if (a.outputDir !== undefined) writeFileSync(`${base}.dot`, dot);
}
