// `litmus-check explain PATHS...`: print why each test's bad outcome is reachable (a witness) or
// not (the model check that rules it out); with --dot, also write one Graphviz file per witness,
// with --svg the same graphs drawn as SVG (into a file, or a directory when the argument is one).
import { gatherInputs } from './inputs.js';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, sep } from 'node:path';
import { formatDiagnostic } from '../diagnostics.js';
import { toDot } from '../explain/dot.js';
import { dotToSvg } from '../explain/svg.js';
import { explainSource, type Explanation } from '../explain/explain.js';
import { formatExplanation } from '../explain/text.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, combineExit } from './exit-codes.js';
import { formatReadError, readLitmusFile } from './files.js';
import { modelOf, resolveDecider, type DecideFlags, type Decider } from './decide-spec.js';

export interface ExplainCliOptions extends DecideFlags {
  dot?: string;
  svg?: string;
  witnesses?: number;
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

/**
 * Where graph `index` of `count` goes: into the directory `target` (one that exists, or any path
 * ending in `/`), else the file `target` itself, the later graphs beside it as NAME-2.svg, ...
 */
export function graphPath(target: string, file: string, index: number): string {
  if (target.endsWith('/') || target.endsWith(sep) || (existsSync(target) && statSync(target).isDirectory())) return join(target, file);
  if (index === 0) return target;
  const ext = extname(target);
  return `${target.slice(0, target.length - ext.length)}-${index + 1}${ext}`;
}

const isDirTarget = (t: string | undefined) => t !== undefined && (t.endsWith('/') || t.endsWith(sep) || (existsSync(t) && statSync(t).isDirectory()));

/** Explain each test in turn (files or directories of them); the worst exit code wins. */
export async function explainCommand(paths: string[], opts: ExplainCliOptions): Promise<number> {
  const decider = resolveDecider(opts);
  if (!decider) return EXIT_BAD_INPUT;
  const inputs = gatherInputs(paths);
  if (!inputs) return EXIT_BAD_INPUT;
  const { files, codes } = inputs;
  for (const [flag, target] of [['--dot', opts.dot], ['--svg', opts.svg]] as const) {
    if (files.length > 1 && target !== undefined && !isDirTarget(target)) {
      process.stderr.write(`litmus-check: ${flag} ${target}: with several tests, give a directory (end it with '/')\n`);
      return EXIT_BAD_INPUT;
    }
  }
  for (const [i, file] of files.entries()) {
    if (i > 0) process.stdout.write('\n');
    codes.push(await explainOne(file, decider, opts));
  }
  return combineExit(codes);
}

async function explainOne(file: string, decider: Decider, opts: ExplainCliOptions): Promise<number> {
  const read = readLitmusFile(file);
  if (!read.ok) {
    process.stderr.write(formatReadError(file, read) + '\n');
    return EXIT_BAD_INPUT;
  }
  const { spec } = decider;
  const res = explainSource(read.text, file, {
    model: modelOf(decider),
    lower: { ...decider.files?.lower, unroll: spec.unroll },
    witnesses: opts.witnesses,
    timeoutMs: spec.timeoutMs,
    maxExecutions: spec.maxExecutions,
    kvmArch: spec.kvmArch,
  });
  if (!res.ok) {
    for (const d of res.diagnostics) process.stderr.write(formatDiagnostic(d, d.file === file ? read.text : undefined) + '\n');
    return EXIT_BAD_INPUT;
  }
  const x = res.explanation;
  process.stdout.write(formatExplanation(x, read.text));
  return (await writeGraphs(x, opts)) ?? exitFor(x);
}

/** A witness proves reachability even if a limit stopped the search; a Never does not. */
function exitFor(x: Explanation): number {
  if (x.incomplete && x.kind === 'never') return EXIT_INCOMPLETE;
  return x.mismatch ? EXIT_FAILED : x.incomplete ? EXIT_INCOMPLETE : EXIT_OK;
}

/** --dot and --svg: write the graphs; an exit code when one cannot be written, else null. */
async function writeGraphs(x: Explanation, opts: ExplainCliOptions): Promise<number | null> {
  const outputs: Array<{ target: string | undefined; ext: string; render: (dot: string) => string | Promise<string> }> = [
    { target: opts.dot, ext: '.dot', render: (dot) => dot },
    { target: opts.svg, ext: '.svg', render: dotToSvg },
  ];
  for (const { target, ext, render } of outputs) {
    if (target === undefined) continue;
    try {
      for (const [k, f] of dotFiles(x).entries()) {
        const path = graphPath(target, f.file.replace(/\.dot$/, ext), k);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, await render(f.dot));
        process.stdout.write(`wrote ${path}\n`);
      }
    } catch (e) {
      process.stderr.write(`litmus-check: cannot write ${target}: ${(e as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
  }
  return null;
}
