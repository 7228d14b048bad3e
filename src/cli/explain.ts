// `litmus-check explain FILE`: print why the test's bad outcome is reachable (a witness) or not
// (the model check that rules it out); with --dot DIR, also write one Graphviz file per witness,
// with --svg DIR the same graphs drawn as SVG.
import { knownModel } from './inputs.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatDiagnostic } from '../diagnostics.js';
import { toDot } from '../explain/dot.js';
import { dotToSvg } from '../explain/svg.js';
import { explainSource, type Explanation } from '../explain/explain.js';
import { formatExplanation } from '../explain/text.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK } from './exit-codes.js';
import { readLitmusFile } from './files.js';

export interface ExplainCliOptions {
  model: string;
  dot?: string;
  svg?: string;
  witnesses?: number;
  timeout?: number;
  maxExecutions?: number;
}

/** File names for the DOT files: the test name, made safe for any file system. */
function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._+-]/g, '_');
}

/** Each witness (or each rejected example) as a titled graph. */
export function dotFiles(x: Explanation): Array<{ file: string; dot: string }> {
  const program = x.result.program;
  const base = safeName(x.name);
  if (x.kind === 'reachable') {
    return x.witnesses.map((w, i) => ({
      file: `${base}.witness-${i + 1}.dot`,
      dot: toDot(program, w.graph, w.cycle, `${x.name}: ${x.outcome} reachable (${w.state.join('; ')})`),
    }));
  }
  return x.ruledOut.map((r) => ({
    file: `${base}.rejected-${safeName(r.check)}.dot`,
    dot: toDot(program, r.example.graph, r.example.cycle, `${x.name}: candidate rejected by ${r.check} (${r.example.state.join('; ')})`),
  }));
}

export async function explainCommand(file: string, opts: ExplainCliOptions): Promise<number> {
  if (!knownModel(opts.model)) return EXIT_BAD_INPUT;
  const read = readLitmusFile(file);
  if (!read.ok) {
    process.stderr.write(`${file}:1:1: error: ${read.message}\n`);
    return EXIT_BAD_INPUT;
  }
  const res = explainSource(read.text, file, {
    model: opts.model,
    witnesses: opts.witnesses,
    timeoutMs: opts.timeout !== undefined ? opts.timeout * 1000 : undefined,
    maxExecutions: opts.maxExecutions,
  });
  if (!res.ok) {
    for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d, read.text) + '\n');
    return EXIT_BAD_INPUT;
  }
  const x = res.explanation;
  process.stdout.write(formatExplanation(x, read.text));
  const outputs: Array<{ dir: string | undefined; ext: string; render: (dot: string) => string | Promise<string> }> = [
    { dir: opts.dot, ext: '.dot', render: (dot) => dot },
    { dir: opts.svg, ext: '.svg', render: dotToSvg },
  ];
  for (const { dir, ext, render } of outputs) {
    if (dir === undefined) continue;
    try {
      mkdirSync(dir, { recursive: true });
      for (const f of dotFiles(x)) {
        const path = join(dir, f.file.replace(/\.dot$/, ext));
        writeFileSync(path, await render(f.dot));
        process.stdout.write(`wrote ${path}\n`);
      }
    } catch (e) {
      process.stderr.write(`litmus-check: cannot write to ${dir}: ${(e as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
  }
  // A witness proves reachability even if a limit stopped the search; a Never does not.
  if (x.incomplete && x.kind === 'never') return EXIT_INCOMPLETE;
  return x.mismatch ? EXIT_FAILED : x.incomplete ? EXIT_INCOMPLETE : EXIT_OK;
}
