// `litmus-check fuzz`: property-based campaigns over generated litmus tests. The campaign itself is
// in src/fuzz (pure); this layer parses options, reads seed files, writes failures and prints.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { modelOption, positiveNumber, wholeNumber } from './options.js';
import { ENGINE_BREAKS, type EngineBreak } from '../interleave/interleave.js';
import { runCampaign, type CampaignReport } from '../fuzz/campaign.js';
import { bindProperty, PROPERTIES, propertyInfo, type BoundProperty, type PropertyInfo } from '../fuzz/properties.js';
import { EXIT_BAD_INPUT, EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK } from './exit-codes.js';
import { collectLitmusFiles, formatReadError, readLitmusFile } from './files.js';
import { modelFlagsText } from './decide-spec.js';
import { secondsToMs } from './limits.js';
import { loadModelFromOptions, type ModelFileOptions } from './model-options.js';

export interface FuzzOptions extends ModelFileOptions {
  property: string;
  runs: number;
  seed?: number;
  path?: string;
  model?: string;
  out?: string;
  timeBudget?: number;
  maxShrinks?: number;
  maxThreads: number;
  maxInstructions: number;
  runTimeout: number;
  corpus?: string[];
  replay?: string[];
  break?: EngineBreak;
}


export function registerFuzzCommand(program: Command): void {
  program
    .command('fuzz')
    .description('run a property-based campaign over generated litmus tests; failures are shrunk to minimal litmus files')
    .addOption(new Option('-p, --property <name>', 'the property to check').choices(PROPERTIES.map((p) => p.name)).makeOptionMandatory())
    .option('-n, --runs <n>', 'generated tests to check', wholeNumber(1), 1000)
    .option('-s, --seed <n>', 'random seed (printed, so any campaign can be rerun); default: from the clock', wholeNumber(-0x80000000, 0x7fffffff))
    .option('--path <path>', "replay one failure: the path printed with it (needs the campaign's --seed)")
    .addOption(modelOption("model to check (default: the property's models)", null))
    .option('-o, --out <dir>', 'write each failure as a minimal litmus file into DIR')
    .option('--time-budget <seconds>', 'stop starting new runs after this long (exit 3 if no failure was found)', positiveNumber)
    .option('--max-shrinks <n>', 'failures to shrink (default 3; 1 for kvm-lost-request)', wholeNumber(0))
    .option('--max-threads <n>', 'most threads in a generated test (2 to 4)', wholeNumber(2, 4), 3)
    .option('--max-instructions <n>', 'most instructions per generated thread (1 to 6)', wholeNumber(1, 6), 3)
    .option('--run-timeout <seconds>', 'time limit for checking one generated test; past it the run is counted as skipped', positiveNumber, 10)
    .option('--corpus <paths...>', 'parse-total: also mutate these .litmus files (or directories)')
    .option('--replay <files...>', 'check these litmus files against the property instead of generating (strengthen-monotone: WEAK STRONG)')
    .addOption(new Option('--break <bug>', 'self-test only: deliberately break the interleaving engine').choices([...ENGINE_BREAKS]).hideHelp())
    .action((_opts, cmd: Command) => {
      // The model-file options are global: --conf/--cat may come before or after `fuzz`.
      process.exitCode = fuzzCommand(cmd.optsWithGlobals<FuzzOptions>());
    });
}

function readSeeds(paths: string[] | undefined): { texts: string[]; errors: string[] } {
  if (!paths) return { texts: [], errors: [] };
  const { files, missing } = collectLitmusFiles(paths);
  const texts: string[] = [];
  const errors = missing.map((m) => `${m}: error: no such file or directory`);
  for (const f of files) {
    const r = readLitmusFile(f);
    if (r.ok) texts.push(r.text);
    else errors.push(formatReadError(f, r));
  }
  return { texts, errors };
}

/** The property bound to the options, and its models' names; null (after saying why) on bad options. */
function bindFromOptions(info: PropertyInfo, opts: FuzzOptions): { prop: BoundProperty<unknown>; models: string[] } | null {
  const files = loadModelFromOptions(opts, opts.model !== undefined);
  if (files === 'error') return null;
  // The property asks the model what it can do (a model read from files runs on no interleaving machine).
  if (files && !info.models.accepts(files.model)) {
    process.stderr.write(`litmus-check: a model read from files does not apply to ${info.name}: ${info.models.otherwise}\n`);
    return null;
  }
  if (opts.model && !info.models.accepted.includes(opts.model)) {
    process.stderr.write(`litmus-check: --model ${opts.model} does not apply to ${info.name}: ${info.models.otherwise}\n`);
    return null;
  }
  if (opts.corpus && info.name !== 'parse-total') {
    process.stderr.write(`litmus-check: --corpus is for parse-total (its seed files), not ${info.name}\n`);
    return null;
  }
  const seeds = readSeeds(opts.corpus);
  for (const e of seeds.errors) process.stderr.write(e + '\n');
  if (seeds.errors.length > 0) return null;
  const prop = bindProperty(info.name, {
    models: files ? [files.model] : opts.model ? [opts.model] : [],
    lower: files?.lower,
    break: opts.break,
    seeds: seeds.texts,
    gen: { maxThreads: opts.maxThreads, maxInstrs: opts.maxInstructions },
    runTimeoutMs: secondsToMs(opts.runTimeout),
  })!;
  return { prop, models: files ? [files.model.name] : opts.model ? [opts.model] : info.defaultModels };
}

/** --replay: check the given files against the property. */
function replayFiles(info: PropertyInfo, prop: BoundProperty<unknown>, replay: string[], label: string): number {
  if (replay.length !== info.files) {
    process.stderr.write(`litmus-check: --replay for ${info.name} takes ${info.files} file${info.files === 1 ? '' : 's'}\n`);
    return EXIT_BAD_INPUT;
  }
  const texts: string[] = [];
  for (const f of replay) {
    const r = readLitmusFile(f);
    if (!r.ok) {
      process.stderr.write(formatReadError(f, r) + '\n');
      return EXIT_BAD_INPUT;
    }
    texts.push(r.text);
  }
  const v = prop.checkFiles(texts);
  if (v.ok) {
    process.stdout.write(`${label}: ${replay.join(' ')}: ${v.skipped ? `skipped (${v.skipped})` : 'holds'}\n`);
    return v.skipped ? EXIT_INCOMPLETE : EXIT_OK;
  }
  process.stdout.write(`${label}: ${replay.join(' ')}: FAILS\n  ${v.message}\n`);
  return EXIT_FAILED;
}

export function fuzzCommand(opts: FuzzOptions): number {
  const info = propertyInfo(opts.property);
  if (!info) {
    process.stderr.write(`litmus-check: unknown property '${opts.property}'\n`);
    return EXIT_BAD_INPUT;
  }
  const bound = bindFromOptions(info, opts);
  if (!bound) return EXIT_BAD_INPUT;
  const { prop, models } = bound;
  const modelText = models.length > 0 ? ` (models: ${models.join(', ')})` : '';
  const breakText = opts.break ? ` [self-test: interleaving engine broken: ${opts.break}]` : '';
  if (opts.replay) return replayFiles(info, prop, opts.replay, `${info.name}${modelText}${breakText}`);

  const seed = opts.seed ?? (Date.now() ^ (process.pid << 8)) | 0;
  process.stdout.write(`fuzz ${info.name}${modelText}${breakText}: ${info.summary}\nseed ${seed}${opts.path ? `, replaying path ${opts.path}` : `, ${opts.runs} run${opts.runs === 1 ? '' : 's'}`}${opts.timeBudget ? `, time budget ${opts.timeBudget} s` : ''}\n`);
  const report = runCampaign(prop, {
    runs: opts.runs,
    seed,
    path: opts.path,
    timeBudgetMs: secondsToMs(opts.timeBudget),
    maxShrinks: opts.maxShrinks,
    explainSafeGroups: true,
  });
  if (opts.out && report.failures.length > 0) {
    try {
      mkdirSync(opts.out, { recursive: true });
    } catch (e) {
      process.stderr.write(`litmus-check: cannot create ${opts.out}: ${(e as Error).message}\n`);
      return EXIT_BAD_INPUT;
    }
  }
  process.stdout.write(formatReport(report, opts, seed));
  if (report.failures.length > 0) return EXIT_FAILED;
  return report.timedOut ? EXIT_INCOMPLETE : EXIT_OK;
}

function replayCommand(opts: FuzzOptions, seed: number, path: string): string {
  const parts = [`litmus-check fuzz --property ${opts.property} --seed ${seed} --path ${path}`];
  const modelFlags = modelFlagsText(opts, null);
  if (modelFlags) parts.push(modelFlags.trim());
  if (opts.maxThreads !== 3) parts.push(`--max-threads ${opts.maxThreads}`);
  if (opts.maxInstructions !== 3) parts.push(`--max-instructions ${opts.maxInstructions}`);
  if (opts.runTimeout !== 10) parts.push(`--run-timeout ${opts.runTimeout}`);
  if (opts.corpus) parts.push(`--corpus ${opts.corpus.join(' ')}`);
  if (opts.break) parts.push(`--break ${opts.break}`);
  return parts.join(' ');
}

function indentText(text: string, pad: string): string {
  return text.replace(/\n$/, '').split('\n').map((l) => pad + l).join('\n') + '\n';
}

function formatReport(r: CampaignReport, opts: FuzzOptions, seed: number): string {
  let out = '';
  if (r.groups.length > 0) {
    const failing = r.groups.filter((g) => g.failures > 0);
    out += `\nprotocols seen: ${r.groups.length}; a lost request is reachable in ${failing.length}\n`;
    out += `(a row per protocol shape: each thread's helpers and barrier; lost: runs of it where a lost request is reachable;\n`;
    out += ` for a safe protocol, the model check that forbids the lost request and what orders each thread's store before its load)\n`;
    out += `  ${'lost'.padStart(9)}  protocol\n`;
    const sorted = [...r.groups].sort((a, b) => (a.failures > 0 ? 1 : 0) - (b.failures > 0 ? 1 : 0) || (a.group < b.group ? -1 : 1));
    for (const g of sorted) {
      out += `  ${`${g.failures}/${g.runs}`.padStart(9)}  ${g.group}\n`;
      if (g.safeBecause) out += `  ${''.padStart(9)}    safe: ${g.safeBecause}\n`;
    }
  }
  r.failures.forEach((f, i) => {
    if (i > 0 && f.group !== null) {
      // Grouped (KVM protocols): one line each after the first, which is shown in full.
      const file = opts.out ? join(opts.out, `${r.property}-${i + 1}.litmus`) : null;
      if (file) writeFileSync(file, f.files[0]);
      out += `${i === 1 ? '\nfurther protocols with a lost request:\n' : ''}  ${file ?? `--path ${f.path}`}  ${f.group}\n`;
      return;
    }
    const how = f.shrunk ? `shrunk in ${f.shrinkSteps} step${f.shrinkSteps === 1 ? '' : 's'}` : 'as generated';
    out += `\nfailure ${i + 1} (run ${f.run}, ${how}):\n${indentText(f.message, '  ')}`;
    out += `  replay: ${replayCommand(opts, seed, f.path)}\n`;
    if (opts.out) {
      const names = f.files.length === 1 ? [`${r.property}-${i + 1}.litmus`] : f.files.map((_, k) => `${r.property}-${i + 1}-${k === 0 ? 'weak' : 'strong'}.litmus`);
      names.forEach((n, k) => writeFileSync(join(opts.out!, n), f.files[k]));
      out += `  written: ${names.map((n) => join(opts.out!, n)).join(' ')}\n`;
    }
    if (i === 0) out += f.files.map((t) => `\n${indentText(t, '    ')}`).join('');
  });
  const seconds = (r.timeMs / 1000).toFixed(1);
  const skipped = r.skipped > 0 ? `, ${r.skipped} skipped (limits)` : '';
  const cut = r.timedOut ? ` (time budget reached after ${r.runs} of ${r.runsRequested})` : '';
  out += `\n${r.property}: ${r.runs} run${r.runs === 1 ? '' : 's'}${skipped}${cut}, ${r.failingRuns} failing, ${seconds} s, seed ${seed}\n`;
  return out;
}
