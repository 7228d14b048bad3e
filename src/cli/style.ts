// Colour only on a terminal, never with NO_COLOR (chalk handles both).
import chalk from 'chalk';
import type { Style } from '../report/table.js';

export function terminalStyle(stream: NodeJS.WriteStream): Style {
  const on = stream.isTTY === true && !process.env.NO_COLOR && chalk.level > 0;
  if (!on) return { good: (s) => s, bad: (s) => s, warn: (s) => s, dim: (s) => s, bold: (s) => s };
  return { good: chalk.green, bad: chalk.red, warn: chalk.yellow, dim: chalk.dim, bold: chalk.bold };
}
