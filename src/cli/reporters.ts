// `--reporter` specs shared by the CI-gate commands: `junit=FILE`, `json=FILE`, `github`.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { InvalidArgumentError } from 'commander';

export type ReporterSpec = { kind: 'junit'; file: string } | { kind: 'json'; file: string } | { kind: 'github' };

export function parseReporterSpec(text: string): ReporterSpec {
  const m = /^(junit|json|github)(?:=(.*))?$/.exec(text);
  if (!m) throw new InvalidArgumentError('expected junit=FILE, json=FILE or github');
  const [, kind, file] = m;
  if (kind === 'github') {
    if (file !== undefined) throw new InvalidArgumentError('github takes no file: its annotations go to standard output');
    return { kind };
  }
  if (!file) throw new InvalidArgumentError(`${kind} needs a file: ${kind}=FILE`);
  return { kind: kind as 'junit' | 'json', file };
}

/** Commander option parser: collect every `--reporter` given. */
export function collectReporter(text: string, previous: ReporterSpec[] | undefined): ReporterSpec[] {
  return [...(previous ?? []), parseReporterSpec(text)];
}

/**
 * Write a report file (creating its folder) from its text or its pieces, piece by piece; an
 * error message, or null on success.
 */
export function writeReport(file: string, text: string | Iterable<string>): string | null {
  let fd: number | null = null;
  try {
    mkdirSync(dirname(file), { recursive: true });
    fd = openSync(file, 'w');
    for (const piece of typeof text === 'string' ? [text] : text) writeSync(fd, piece);
    return null;
  } catch (e) {
    return `cannot write ${file}: ${(e as Error).message}`;
  } finally {
    if (fd !== null) closeSync(fd);
  }
}
