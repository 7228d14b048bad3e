// herd7's command line, as the `litmus-herd7` drop-in reads it: single-dash options with herd7's
// names and defaults, and herd7's search for model files (-I directories, the current directory,
// $HERDLIB, -set-libdir). Options we do not implement are refused by name, never ignored.
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';

export type Show = 'none' | 'prop';

export interface Herd7Args {
  files: string[];
  conf?: string;
  cat?: string;
  bell?: string;
  macros?: string;
  variants: string[];
  includes: string[];
  libdir?: string;
  /** herd7's default is 2 (loops work without the option); 0 keeps no iteration. */
  unroll: number;
  /** Seconds; a test that runs out prints nothing, as in herd7. */
  timeout?: number;
  speedcheck: 'false' | 'true' | 'fast';
  outputDir?: string;
  show: Show;
  through: 'all' | 'invalid' | 'none';
  skipchecks: string[];
  nshow?: number;
  gv: boolean;
  /** -version, -libdir, -help: print and stop. */
  info?: 'version' | 'libdir' | 'help';
}

export type ParsedArgs = { ok: true; args: Herd7Args } | { ok: false; message: string };

type Setter = (a: Herd7Args, v: string) => string | null;

const choice =
  <K extends keyof Herd7Args>(key: K, values: readonly string[], alias: Record<string, string> = {}): Setter =>
  (a, v) => {
    const c = alias[v] ?? v;
    if (!values.includes(c)) return `wrong argument '${v}'; expected one of: ${values.join(', ')}`;
    (a as unknown as Record<string, unknown>)[key] = c;
    return null;
  };

const integer =
  (set: (a: Herd7Args, n: number) => void): Setter =>
  (a, v) => {
    if (!/^[0-9]+$/.test(v)) return `wrong argument '${v}'; expected an integer`;
    set(a, Number(v));
    return null;
  };

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

/** The options that take a value, each with how it is stored. */
const VALUED: Record<string, Setter> = {
  '-conf': (a, v) => ((a.conf = v), null),
  '-model': (a, v) => ((a.cat = v), null),
  '-cat': (a, v) => ((a.cat = v), null),
  '-bell': (a, v) => ((a.bell = v), null),
  '-macros': (a, v) => ((a.macros = v), null),
  '-variant': (a, v) => (a.variants.push(...list(v)), null),
  '-I': (a, v) => (a.includes.push(v), null),
  '-set-libdir': (a, v) => ((a.libdir = v), null),
  '-unroll': integer((a, n) => (a.unroll = n)),
  '-nshow': integer((a, n) => (a.nshow = n)),
  '-timeout': (a, v) => {
    if (!/^[0-9]+(\.[0-9]*)?$/.test(v)) return `wrong argument '${v}'; expected a float`;
    a.timeout = Number(v);
    return null;
  },
  '-speedcheck': choice('speedcheck', ['false', 'true', 'fast']),
  '-show': choice('show', ['none', 'prop'], { wit: 'prop', cond: 'prop' }),
  '-through': choice('through', ['all', 'invalid', 'none']),
  '-skipchecks': (a, v) => (a.skipchecks.push(...list(v)), null),
  '-o': (a, v) => ((a.outputDir = v), null),
};

const FLAGS: Record<string, (a: Herd7Args) => void> = {
  '-gv': (a) => (a.gv = true),
  '-version': (a) => (a.info ??= 'version'),
  '-libdir': (a) => (a.info ??= 'libdir'),
  '-help': (a) => (a.info ??= 'help'),
  '--help': (a) => (a.info ??= 'help'),
};

export const SUPPORTED_OPTIONS = [...Object.keys(VALUED), ...Object.keys(FLAGS).filter((f) => f !== '--help')];

export function parseHerd7Args(argv: readonly string[]): ParsedArgs {
  const a: Herd7Args = { files: [], variants: [], includes: [], unroll: 2, speedcheck: 'false', show: 'none', through: 'none', skipchecks: [], gv: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.length < 2 || !arg.startsWith('-')) {
      a.files.push(arg);
      continue;
    }
    const flag = FLAGS[arg];
    if (flag) {
      flag(a);
      continue;
    }
    const set = VALUED[arg];
    if (!set) return { ok: false, message: `option '${arg}' is not supported by this herd7 (litmus-check); supported: ${SUPPORTED_OPTIONS.join(' ')}` };
    if (i + 1 >= argv.length) return { ok: false, message: `option '${arg}' needs an argument.` };
    const err = set(a, argv[++i]);
    if (err) return { ok: false, message: `${err} for option '${arg}'.` };
  }
  return { ok: true, args: a };
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * herd7's library search for a model file: the name as given (absolute, or from the current
 * directory), then each -I directory, then $HERDLIB, then -set-libdir. Null when none has it.
 */
export function libFind(name: string, a: Pick<Herd7Args, 'includes' | 'libdir'>): string | null {
  if (isAbsolute(name)) return existsSync(name) ? name : null;
  if (isFile(name)) return name;
  const dirs = [...a.includes, process.env.HERDLIB, a.libdir].filter((d): d is string => d !== undefined && d !== '');
  for (const d of dirs) {
    const p = join(d, name);
    if (isFile(p)) return p;
  }
  return null;
}

export const USAGE = `usage: herd7 (litmus-check's drop-in) [options] FILE.litmus...
  -conf <name>        read configuration file <name> (e.g. linux-kernel.cfg), searched in ., -I dirs, $HERDLIB
  -model, -cat <name> the cat model; -bell <name>, -macros <name>, -variant <tags>
  -I <dir>            add <dir> to the search path; -set-libdir <dir>, -libdir
  -unroll <n>         loop unrolling bound (default 2)
  -timeout <float>    give up a test after this many seconds (it prints nothing)
  -speedcheck <false|true|fast>  stop once the condition is decided
  -skipchecks <names> do not apply these checks of the cat model
  -show <none|prop> -o <dir> -gv -through <all|invalid|none> -nshow <n>: execution graphs (DOT, or SVG with -gv)
  -version
`;
