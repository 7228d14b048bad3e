// Colour only on a terminal that has colours (Node's own test: NO_COLOR, NODE_DISABLE_COLORS,
// FORCE_COLOR, TERM), never with NO_COLOR. Five ANSI attributes written by hand: chalk cost every
// process its module and `tty` (~5% of a one-test run) for output that is mostly not a terminal.
import { fstatSync } from 'node:fs';
import type { Style } from '../report/table.js';

const PLAIN: Style = { good: (s) => s, bad: (s) => s, warn: (s) => s, dim: (s) => s, bold: (s) => s };

/** Text between an SGR attribute and its reset (never nested in our tables, so no re-opening). */
const sgr = (on: number, off: number) => (s: string) => `\u001b[${on}m${s}\u001b[${off}m`;

const COLOURED: Style = { good: sgr(32, 39), bad: sgr(31, 39), warn: sgr(33, 39), dim: sgr(2, 22), bold: sgr(1, 22) };

export function terminalStyle(stream: NodeJS.WriteStream): Style {
  const on = stream.isTTY === true && !process.env.NO_COLOR && typeof stream.hasColors === 'function' && stream.hasColors();
  return on ? COLOURED : PLAIN;
}

/**
 * terminalStyle(process.stdout) without creating that stream (it loads Node's stream modules)
 * when standard output is not a character device, so cannot be a terminal.
 */
export function stdoutStyle(): Style {
  try {
    if (!fstatSync(1).isCharacterDevice()) return PLAIN;
  } catch {
    return PLAIN;
  }
  return terminalStyle(process.stdout);
}
