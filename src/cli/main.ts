// The command line: a thin layer over the library. Only this layer prints and exits.
import { Command, InvalidArgumentError, Option } from 'commander';
import { EXIT_BAD_INPUT } from './exit-codes.js';
import { runCommand } from './run.js';

function positiveNumber(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

export function buildProgram(): Command {
  const program = new Command();
  program
    .name('litmus-check')
    .description('Decide C litmus tests under the Linux kernel memory model (LKMM), SC or x86-TSO')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('run')
    .description('decide litmus tests (files or directories) and print their results')
    .argument('<paths...>', '.litmus files or directories of them')
    .addOption(new Option('-m, --model <name>', 'memory model').choices(['lkmm', 'sc', 'tso']).default('lkmm'))
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'herd', 'json']).default('text'))
    .option('--timeout <seconds>', 'per-test time limit; a test that hits it is reported incomplete (exit 3)', positiveNumber)
    .option('--max-executions <n>', 'per-test limit on candidate executions checked (exit 3 when hit)', positiveInt)
    .action((paths: string[], opts) => {
      process.exitCode = runCommand(paths, opts);
    });
  return program;
}

export function main(argv: string[]): void {
  const program = buildProgram();
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    const err = e as { exitCode?: number; code?: string };
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      process.exitCode = 0;
      return;
    }
    process.exitCode = EXIT_BAD_INPUT;
  }
}
