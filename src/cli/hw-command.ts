// Registers `litmus-check hw` with the command line (kept apart from main.ts).
import { Command, Option } from 'commander';
import { modelOption, positiveInt, positiveNumber } from './options.js';
import type { HwOptions } from './hw.js';
import { decideFlagsOf } from './decide-spec.js';
import { settle } from './failures.js';

export function registerHwCommand(program: Command): void {
  program
    .command('hw')
    .description('run litmus tests on this machine (compiled C, litmus7-style) and check every observed state against a model')
    .argument('<paths...>', '.litmus files or directories of them')
    .option('--runs <n>', 'rounds to run', positiveInt, 100)
    .option('--size <n>', 'instances of the test per round, each on its own cache lines', positiveInt, 1000)
    .addOption(modelOption('model the observed states are checked against (default: the mapping\'s own, tso for x86-64 and lkmm for arm64)', null))
    .option('--cc <compiler>', 'C compiler (default: cc; for another architecture, e.g. aarch64-linux-gnu-gcc)')
    .option('--keep <dir>', 'write the generated C and binaries into DIR and keep them')
    .option('--timeout <seconds>', 'time limit for each compiled test, and for the model (exit 3 when hit)', positiveNumber, 120)
    .addOption(new Option('--mapping <name>', 'primitive mapping: x86-64, arm64 (generate only unless on arm64), x86-64-broken-mb (self-test)').hideHelp())
    .action((paths: string[], _opts, cmd: Command) => {
      const opts = decideFlagsOf<HwOptions>(cmd);
      settle(import('./hw.js').then((m) => m.hwCommand(paths, opts)));
    });
}
