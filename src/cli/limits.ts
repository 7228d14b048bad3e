// Time limits: the command line speaks in seconds, the library in milliseconds.

/** `--timeout 2.5` as the library's 2500 ms; undefined stays undefined (no limit). */
export function secondsToMs(seconds: number): number;
export function secondsToMs(seconds: number | undefined): number | undefined;
export function secondsToMs(seconds: number | undefined): number | undefined {
  return seconds === undefined ? undefined : seconds * 1000;
}
