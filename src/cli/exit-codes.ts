// Exit codes: stable, documented in the README and docs/errors-and-limits.md.
export const EXIT_OK = 0; // everything as expected
export const EXIT_FAILED = 1; // an expectation failed / a forbidden outcome is reachable
export const EXIT_BAD_INPUT = 2; // bad input or usage
export const EXIT_INCOMPLETE = 3; // a limit was hit: some verdict is incomplete

/** The closing line of a run over several tests: "5 tests, 1 error, 1 incomplete, 0 unexpected". */
export function summarizeExits(codes: readonly number[]): string {
  const count = (code: number) => codes.filter((c) => c === code).length;
  const errors = count(EXIT_BAD_INPUT);
  const unexpected = count(EXIT_FAILED);
  return `${codes.length} test${codes.length === 1 ? '' : 's'}, ${errors} error${errors === 1 ? '' : 's'}, ${count(EXIT_INCOMPLETE)} incomplete, ${unexpected} unexpected`;
}

/** Combine per-test outcomes: bad input wins, then incomplete, then failure. */
export function combineExit(codes: Iterable<number>): number {
  let worst = EXIT_OK;
  const rank = (c: number) => (c === EXIT_BAD_INPUT ? 3 : c === EXIT_INCOMPLETE ? 2 : c === EXIT_FAILED ? 1 : 0);
  for (const c of codes) if (rank(c) > rank(worst)) worst = c;
  return worst;
}
