// Usage errors in one line: commander's message (with its "Did you mean" for options), a hint
// for the options people reach for by habit, the nearest choice for a mistyped value, and a
// pointer to --help instead of the whole help text.
import type { Command } from 'commander';
import { nearestName } from '../diagnostics.js';

const REPORTER_HINT = 'reports are written with --reporter junit=FILE, --reporter json=FILE or --reporter github';

/** Options of other commands (or other tools) that people try, per command: what to use instead. */
const HINTS: Record<string, Record<string, string>> = {
  check: { '--format': REPORTER_HINT, '-f': REPORTER_HINT, '--junit': REPORTER_HINT, '--json': REPORTER_HINT, '--github': REPORTER_HINT },
  'merge-reports': { '--format': REPORTER_HINT, '-f': REPORTER_HINT },
  run: { '--reporter': "run prints its results with --format text|herd|json; --reporter belongs to 'check'" },
  explain: { '--format': 'explain prints text; --dot FILE and --svg FILE draw the execution graphs' },
};

/** The error text commander wrote, with a hint, a suggestion and a pointer to --help. */
export function usageMessage(command: string, text: string): string {
  const lines = [text.trimEnd()];
  const unknown = /unknown option '([^'=]+)/.exec(text);
  const hint = unknown ? HINTS[command]?.[unknown[1]] : undefined;
  if (hint) lines.push(`(${hint})`);
  const choice = /argument '([^']*)' is invalid\. Allowed choices are (.*)\.$/m.exec(text);
  if (choice) {
    const near = nearestName(choice[1], choice[2].split(', '));
    if (near) lines.push(`(Did you mean ${near}?)`);
  }
  const path = command === '' ? 'litmus-check' : `litmus-check ${command}`;
  lines.push(`Run '${path} --help' for its options.`);
  return lines.join('\n') + '\n';
}

/** Make every command report usage errors in a line or two rather than with its whole help. */
export function conciseUsageErrors(program: Command): void {
  for (const cmd of [program, ...program.commands]) {
    const name = cmd === program ? '' : cmd.name();
    cmd.showHelpAfterError(false);
    cmd.configureOutput({ outputError: (text, write) => write(usageMessage(name, text)) });
  }
}
