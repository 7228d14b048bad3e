// The command line: a thin layer over the library. Only this layer prints and exits.
import { Command, InvalidArgumentError, Option } from 'commander';
import { EXIT_BAD_INPUT } from './exit-codes.js';
import { runCommandAdaptive, runCommandParallel, type RunOptions } from './run.js';
// Commands load their modules when they run (fuzz's registration only when named): a process
// deciding one test should not pay for fast-check, the XML writer or Graphviz.
import { collectReporter } from './reporters.js';
import { parseShard } from '../check/shard.js';
import { addModelFileOptions, wantsModelFiles } from './model-options.js';
import { registerHwCommand } from './hw-command.js';
import { conciseUsageErrors } from './usage.js';
import { internalError, settle } from './failures.js';
import { stderrWrite, stdoutWrite, writeDirectly } from './write-sync.js';
import { decideFlagsOf } from './decide-spec.js';
import type { CheckCliOptions } from './check.js';
import type { ExplainCliOptions } from './explain.js';
import type { FencesCommandOptions } from './fences.js';
import { addLimitOptions, kvmArchOption, modelOption, packageVersion, positiveInt, wholeNumber } from './options.js';

function shardArg(v: string) {
  const shard = parseShard(v);
  if (!shard) throw new InvalidArgumentError('expected i/n with 1 <= i <= n, e.g. 2/4');
  return shard;
}

/** Commands whose model may be read from files (--conf, --cat, --bell, --macros, --variant). */
const TAKE_MODEL_FILES = new Set(['run', 'check', 'explain', 'fences', 'fuzz', 'hw']);

export function buildProgram(registerFuzz?: (program: Command) => void): Command {
  const program = new Command();
  program
    .name('litmus-check')
    .description('Decide C litmus tests under the Linux kernel memory model (LKMM), SC or x86-TSO')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .showHelpAfterError()
    .exitOverride()
    // Commander's help, version and errors through write-sync.ts too (subcommands inherit it).
    .configureOutput({ writeOut: stdoutWrite, writeErr: stderrWrite });
  // --conf/--cat/--bell/--macros/--variant: global, so they may come before or after the subcommand.
  addModelFileOptions(program);
  program.hook('preAction', (_program, action) => {
    if (!TAKE_MODEL_FILES.has(action.name()) && wantsModelFiles(action.optsWithGlobals())) {
      action.error(`error: --conf, --cat, --bell, --macros and --variant do not apply to '${action.name()}'`, { exitCode: EXIT_BAD_INPUT });
    }
  });
  registerRun(program);
  registerCheck(program);
  registerMergeReports(program);
  registerFences(program);
  registerExplain(program);
  registerFuzz?.(program);
  registerHwCommand(program);
  registerServe(program);
  conciseUsageErrors(program);
  return program;
}

function registerRun(program: Command): void {
  const run = program
    .command('run')
    .description('decide litmus tests (files or directories) and print their results')
    .argument('<paths...>', '.litmus files or directories of them')
    .addOption(modelOption())
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'herd', 'json']).default('text'))
    .addOption(kvmArchOption());
  addLimitOptions(run, 'per-test')
    .option('-j, --jobs <n>', 'decide tests on N worker threads (output order is unchanged)', positiveInt)
    .option('--unroll <n>', 'explore loops up to N iterations; executions the bound cuts are counted, and a Never or Always they could change is incomplete (without it a loop is an error)', positiveInt)
    .option('--verdict-only', 'decide the verdict only: stop at the executions that decide it, without listing the states')
    .action((paths: string[], _opts, cmd: Command) => {
      const opts = decideFlagsOf<RunOptions>(cmd);
      // Without --jobs, long runs move to every core by themselves (see runCommandAdaptive).
      settle(opts.jobs !== undefined ? runCommandParallel(paths, opts) : runCommandAdaptive(paths, opts));
    });
}

function registerCheck(program: Command): void {
  const check = program
    .command('check')
    .description("CI gate: decide tests and compare with the expected verdicts (Result: comments, --expect, --baseline)")
    .argument('<paths...>', '.litmus files or directories of them')
    .addOption(modelOption())
    .addOption(kvmArchOption());
  check
    .option('--expect <file>', 'expected verdicts: lines "path<TAB>Never|Sometimes|Always [DATARACE]"')
    .option('--baseline <file>', 'expected verdicts and states recorded by --update-baseline')
    .option('--update-baseline <file>', "record this run's verdicts and states in FILE (other entries are kept)")
    .option('--reporter <spec>', 'junit=FILE, json=FILE or github (repeatable)', collectReporter)
    .option('-j, --jobs <n>', 'worker threads (default: the number of cores; a model read from files runs in this process)', positiveInt)
    .option('--unroll <n>', 'explore loops up to N iterations; executions the bound cuts are counted, and a Never or Always they could change is incomplete (without it a loop is an error)', positiveInt);
  addLimitOptions(check, 'per-test')
    .option('--shard <i/n>', 'run only the i-th of n deterministic slices of the sorted tests', shardArg)
    .option('--all-states', 'list every final state (full enumeration) instead of deciding the verdict only (implied by --baseline and --update-baseline)')
    .option('--allow-vacuous', 'accept a verdict that holds because no execution reached the end (all filtered, blocked or pruned)')
    .option('--require-expectations', 'a test without an expectation fails instead of being skipped')
    .action((paths: string[], _opts, cmd: Command) => {
      const opts = decideFlagsOf<CheckCliOptions>(cmd);
      settle(import('./check.js').then((m) => m.checkCommand(paths, opts)));
    });
}

function registerMergeReports(program: Command): void {
  program
    .command('merge-reports')
    .description('merge the JSON reports of sharded check runs; exit as the unsharded run would')
    .argument('<reports...>', 'JSON files written by check --reporter json=FILE')
    .option('--reporter <spec>', 'junit=FILE, json=FILE or github (repeatable)', collectReporter)
    .action((reports: string[], opts) => {
      settle(import('./merge-reports.js').then((m) => m.mergeReportsCommand(reports, opts)));
    });
}

function registerFences(program: Command): void {
  const fences = program
    .command('fences')
    .description('for each barrier, whether the bad outcome needs it; for a broken test, the smallest sets of barriers to add')
    .argument('<paths...>', '.litmus files or directories of them')
    .addOption(modelOption())
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addOption(kvmArchOption())
    .option('--max-insertions <n>', 'most barriers one suggested fix may add', positiveInt, 2)
    .option('--max-checks <n>', 'most checker runs per test; the analysis is incomplete (exit 3) when used up', positiveInt, 2000);
  addLimitOptions(fences, 'per-checker-run', 'exit 3 when hit')
    .action((paths: string[], _opts, cmd: Command) => {
      const opts = decideFlagsOf<FencesCommandOptions>(cmd);
      settle(import('./fences.js').then((m) => m.fencesCommand(paths, opts)));
    });
}

function registerExplain(program: Command): void {
  const explain = program
    .command('explain')
    .description('why the bad outcome is reachable (a witness in source terms) or not (the model check that rules it out)')
    .argument('<paths...>', '.litmus files or directories of them')
    .addOption(modelOption())
    .addOption(kvmArchOption())
    .option('--dot <path>', "also write the Graphviz graph of each witness (or rejected example) to FILE, or into DIR when the path is a directory or ends in '/'")
    .option('--svg <path>', "also draw those graphs as SVG (no Graphviz needed): a FILE, or a DIR when the path is a directory or ends in '/'")
    .option('-n, --witnesses <n>', 'how many witness executions to explain', positiveInt, 1)
    .option('--unroll <n>', 'explore loops up to N iterations; executions the bound cuts are counted, and a Never or Always they could change is incomplete (without it a loop is an error)', positiveInt);
  addLimitOptions(explain, 'per-test', 'a Never found under it is reported incomplete (exit 3)')
    .action((paths: string[], _opts, cmd: Command) => {
      const opts = decideFlagsOf<ExplainCliOptions>(cmd);
      settle(import('./explain.js').then((m) => m.explainCommand(paths, opts)));
    });
}

function registerServe(program: Command): void {
  program
    .command('serve')
    .description('the playground in the browser, on 127.0.0.1: edit a test, run it under every model, see the graph and the fix, share a link')
    .option('-p, --port <n>', 'port to listen on (0 picks a free one)', wholeNumber(0, 65535), 8080)
    .option('--open', 'open the page in the desktop browser, when there is one')
    .action((opts: { port: number; open?: boolean }) => {
      // Loaded only when used, so every other command starts as fast as before.
      settle(import('./serve.js').then((m) => m.serveCommand(opts)));
    });
}

/** Commands that never need the fuzz command registered (unless help lists every command). */
const WITHOUT_FUZZ = new Set(['run', 'check', 'merge-reports', 'fences', 'explain', 'hw', '--version', '-V']);

/** Whether the command line may need the fuzz command: it names it, asks for help, or is unusual. */
function mayNeedFuzz(argv: string[]): boolean {
  return argv.length === 0 || !WITHOUT_FUZZ.has(argv[0]) || argv.some((a) => a === 'fuzz' || a === '--help' || a === '-h');
}

/**
 * A reader that has gone (`litmus-check fences ... | head -1`) ends the process quietly: the
 * output nobody reads is not worth an EPIPE stack trace. The handler is attached when the stream
 * is first used: creating process.stdout loads Node's stream modules, which `run` (writing with
 * writeSync, write-sync.ts) does without.
 */
function quietOnClosedPipe(name: 'stdout' | 'stderr'): void {
  const attach = (stream: NodeJS.WriteStream) =>
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE') process.exit(0);
      throw e;
    });
  const d = Object.getOwnPropertyDescriptor(process, name);
  const get = d?.get;
  if (!d?.configurable || !get) {
    attach(process[name]);
    return;
  }
  let attached = false;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: d.enumerable,
    get() {
      const stream = get.call(process) as NodeJS.WriteStream;
      if (!attached) {
        attached = true;
        attach(stream);
      }
      return stream;
    },
  });
}

export async function main(argv: string[]): Promise<void> {
  quietOnClosedPipe('stdout');
  quietOnClosedPipe('stderr');
  writeDirectly();
  // The version alone needs no command line parser (commander's set-up is most of that process).
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
    stdoutWrite(`${packageVersion()}\n`);
    return;
  }
  const program = buildProgram(mayNeedFuzz(argv) ? (await import('./fuzz.js')).registerFuzzCommand : undefined);
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    const err = e as { exitCode?: number; code?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      process.exitCode = 0;
      return;
    }
    // Commander has already explained its own errors; anything else is a crash: say so.
    if (!err.code?.startsWith('commander.')) process.stderr.write(`litmus-check: ${internalError(e, true)}\n`);
    process.exitCode = EXIT_BAD_INPUT;
  }
}
