// Failures of the checker itself (not of a test): said one way, wherever they are caught.
import { EXIT_BAD_INPUT } from './exit-codes.js';

/** A crash, as a test's error or a command's last line: a bug in litmus-check, not in the input. */
export function internalError(e: unknown, withStack = false): string {
  const what = e instanceof Error ? (withStack ? (e.stack ?? e.message) : e.message) : String(e);
  return `internal error (a bug in litmus-check, please report it): ${what}`;
}

/** Async actions set the exit code when they finish; a crash is reported, not swallowed. */
export function settle(work: Promise<number>): void {
  work.then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`litmus-check: ${internalError(e, true)}\n`);
      process.exitCode = EXIT_BAD_INPUT;
    },
  );
}
