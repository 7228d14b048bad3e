// Robustness (issue #8): every bad input gets a precise error (exit 2), every limit an honest
// "incomplete" (exit 3), vacuous results are said as such, and one bad file never stops the others.
// Each case runs through the library and through the real command line (bin/litmus-check).
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { decideSource, warningsOf, type DecideOptions, type TestResult } from '../src/api.js';
import { MAX_FILE_BYTES, collectLitmusFiles, readLitmusFile } from '../src/cli/files.js';
import { runCommand, type RunOptions } from '../src/cli/run.js';
import { formatDiagnostic, type Diagnostic } from '../src/diagnostics.js';
import { parseLitmus } from '../src/parse/parser.js';
import { formatHerd } from '../src/report/herd.js';
import { toJson } from '../src/report/json.js';

const ROOT = resolve(__dirname, '..');
const BAD = 'test/fixtures/bad';
const FIX = 'test/fixtures/robustness';
const EXPLODE = 'test/fixtures/limits/explode.litmus';

/** Every malformed fixture: where its error points and what it says. */
const BAD_FIXTURES: Array<[name: string, line: number, col: number, message: string]> = [
  ['bad-character', 7, 20, "unexpected character '@'"],
  ['binary', 4, 1, 'binary file (contains NUL bytes), not a litmus test'],
  ['blank', 1, 1, 'empty file: expected a litmus test starting with "C <name>"'],
  ['condition-garbage', 20, 27, "expected end of file after the final condition, found 'junk'"],
  ['deep-nesting', 9, 506, 'nested more than 500 levels deep (brackets, blocks and chained operators all count)'],
  ['deref-arithmetic', 9, 22, 'cannot dereference an integer expression: only addresses of shared locations can be'],
  ['deref-integer', 7, 14, 'cannot dereference the integer 42: only addresses of shared locations can be'],
  ['deref-integer-register', 8, 14, 'cannot dereference r1: it only ever holds integers, never the address of a location'],
  ['deref-unassigned-register', 10, 18, 'cannot dereference r1: it is never assigned, so it holds 0, not the address of a location'],
  ['duplicate-thread', 12, 1, 'duplicate thread P0 (first defined at line 4)'],
  ['else-without-if', 9, 2, "'else' without a matching 'if'"],
  ['empty', 1, 1, 'empty file: expected a litmus test starting with "C <name>"'],
  ['goto', 9, 2, "unsupported construct: 'goto'"],
  ['increment', 10, 4, "unsupported construct: '++' (write r = r + 1)"],
  ['long-condition', 20, 4999, 'nested more than 500 levels deep (brackets, blocks and chained operators all count)'],
  ['long-thread', 1007, 2, 'P0 is too long: more than 1000 operations'],
  ['loop-for', 16, 2, "unsupported construct: 'for' loop (litmus tests are loop-free; run with --unroll N to explore at most N iterations)"],
  ['loop-while', 9, 2, "unsupported construct: 'while' loop (litmus tests are loop-free; run with --unroll N to explore at most N iterations)"],
  ['missing-semicolon', 8, 10, "expected ';' after the statement, found 'r0' on line 9"],
  ['no-condition', 20, 1, 'expected a final condition (exists, ~exists or forall)'],
  ['no-init', 3, 1, "expected the initial-state block '{', found end of file"],
  ['not-c', 1, 1, "unsupported architecture 'X86': only C litmus tests are supported"],
  ['not-utf8', 2, 7, 'file is not valid UTF-8 (byte 0xe9)'],
  ['number-too-large', 7, 17, 'number 123456789012345678901234567890 is too large'],
  ['thread-gap', 12, 1, 'threads must be numbered P0, P1, ... without gaps: expected P1, found P2'],
  ['unclosed-brace', 12, 1, "expected '}' to close the block, found end of file"],
  ['unclosed-paren', 9, 19, "expected ',' or ')' in the argument list, found ';'"],
  ['undefined-location-in-condition', 20, 29, 'location z is not defined by any thread or the initial state (did you mean x?)'],
  ['undefined-register-in-code', 10, 17, "undefined register or location 'r7' (did you mean r0?)"],
  ['undefined-register-in-condition', 20, 19, 'register r1 is not defined in P1 (did you mean r0?)'],
  ['undefined-thread-in-condition', 20, 19, 'the condition names 2:r0 but there is no thread P2'],
  ['undefined-thread-in-filter', 20, 9, 'the filter names 3:r0 but there is no thread P3'],
  ['undefined-thread-in-init', 3, 13, 'the initial state sets 3:r1 but there is no thread P3'],
  ['undefined-thread-in-locations', 20, 15, 'the locations list names 5:r2 but there is no thread P5'],
  ['unknown-primitive', 8, 2, "unknown primitive 'smp_mbb' (did you mean smp_mb?)"],
  ['unknown-primitive-far', 8, 2, "unknown primitive 'frobnicate_widgets'"],
  ['unknown-value-in-condition', 20, 9, 'unknown value FOO: not a location or a known constant'],
  ['unterminated-c-comment', 8, 12, 'unterminated /* comment'],
  ['unterminated-comment', 4, 1, 'unterminated (* comment'],
  ['wrong-argument-count', 9, 7, 'READ_ONCE takes 1 argument, found 2'],
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real executable (it runs dist/, which beforeAll keeps up to date). Async, so runs overlap. */
function cli(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, ['bin/litmus-check', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 180_000, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      done({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

/** The run command in this process, output captured: what bin/litmus-check runs, minus start-up. */
function runHere(paths: string[], opts: Partial<RunOptions> = {}): Run {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    return { code: runCommand(paths, { model: 'lkmm', format: 'text', ...opts }), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

beforeAll(() => {
  // The command line runs the compiled dist/: rebuild it if any source is newer. (Type errors
  // are the typecheck's business; tsc still emits, which is all these tests need.)
  const main = join(ROOT, 'dist/cli/main.js');
  let built = 0;
  try {
    built = statSync(main).mtimeMs;
  } catch {
    built = 0;
  }
  if (newestMtime(join(ROOT, 'src')) > built) spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { cwd: ROOT, encoding: 'utf8' });
}, 300_000);

/** The first diagnostic of a file, through the library exactly as the CLI reads it. */
function libraryError(path: string, options: DecideOptions = {}): { d: Pick<Diagnostic, 'line' | 'col' | 'message'>; text: string | null } {
  const read = readLitmusFile(join(ROOT, path));
  if (!read.ok) return { d: { line: read.pos.line, col: read.pos.col, message: read.message }, text: null };
  const res = decideSource(read.text, path, options);
  if (res.ok) throw new Error(`${path} was accepted`);
  return { d: res.diagnostics[0], text: read.text };
}

function check(path: string, options: DecideOptions = {}): TestResult {
  const res = decideSource(readFileSync(join(ROOT, path), 'utf8'), path, options);
  if (!res.ok) throw new Error(res.diagnostics.map((d) => d.message).join('\n'));
  return res.result;
}

describe('every malformed fixture gives its message and exit 2', () => {
  it('lists an expectation for every fixture in test/fixtures/bad', () => {
    const files = readdirSync(join(ROOT, BAD)).filter((f) => f.endsWith('.litmus')).map((f) => f.slice(0, -'.litmus'.length)).sort();
    expect(BAD_FIXTURES.map(([name]) => name).sort()).toEqual(files);
  });

  it.each(BAD_FIXTURES)('%s, through the library', (name, line, col, message) => {
    const { d } = libraryError(`${BAD}/${name}.litmus`);
    expect({ line: d.line, col: d.col, message: d.message }).toEqual({ line, col, message });
  });

  /** What `run` prints on stderr for a fixture: the message, then (text files) the line and a caret. */
  const expectedStderr = (path: string, [name, line, col, message]: (typeof BAD_FIXTURES)[number]) => {
    const { text } = libraryError(`${BAD}/${name}.litmus`);
    return formatDiagnostic({ file: path, line, col, severity: 'error', message }, text ?? undefined) + '\n';
  };

  it.each(BAD_FIXTURES)('%s, through the run command', (...fixture) => {
    const path = join(ROOT, BAD, `${fixture[0]}.litmus`);
    const r = runHere([path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(expectedStderr(path, fixture));
    expect(r.stdout).toContain(`\n${path}  -      error  `);
  });

  it('all of them through bin/litmus-check at once: each message, exit 2, the errors counted', async () => {
    const paths = BAD_FIXTURES.map(([name]) => `${BAD}/${name}.litmus`);
    const r = await cli('run', ...paths);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(BAD_FIXTURES.map((f, i) => expectedStderr(paths[i], f)).join(''));
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe(`${paths.length} tests, ${paths.length} errors, 0 incomplete, 0 unexpected`);
  });

  it('shows the source line and a caret under the column', () => {
    const path = join(ROOT, BAD, 'unknown-primitive.litmus');
    const r = runHere([path]);
    expect(r.stderr.split('\n').slice(0, 3)).toEqual([
      `${path}:8:2: error: unknown primitive 'smp_mbb' (did you mean smp_mb?)`,
      '  \tsmp_mbb();',
      '  \t^',
    ]);
  });

  it('refuses a file over the size limit before reading it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'litmus-big-'));
    const path = join(dir, 'big.litmus');
    writeFileSync(path, 'C big\n' + ' '.repeat(MAX_FILE_BYTES));
    const r = await cli('run', path);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${path}:1:1: error: file is too large (${MAX_FILE_BYTES + 6} bytes; the limit is ${MAX_FILE_BYTES})\n`);
  });

  it('refuses something that is not a regular file (a device could block or never end)', async () => {
    const r = await cli('run', '/dev/zero');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('/dev/zero:1:1: error: not a regular file\n');
  });

  it('says when --unroll makes a thread too long', async () => {
    const r = await cli('run', '--unroll', '600', `${BAD}/loop-for.litmus`);
    expect(r.code).toBe(2);
    // It points at the operation that crossed the limit: here the loop's step, i = i + 1.
    expect(r.stderr.split('\n')[0]).toBe(`${BAD}/loop-for.litmus:16:27: error: P1 is too long: more than 1000 operations (--unroll multiplies loop bodies)`);
  });

  it('rejects bad options with exit 2', async () => {
    expect(await cli('run', '--unroll', '0', EXPLODE)).toMatchObject({ code: 2, stderr: expect.stringContaining("option '--unroll <n>' argument '0' is invalid. expected a positive whole number") });
    expect((await cli('run', '--max-executions', '-3', EXPLODE)).code).toBe(2);
    expect((await cli('run', '--no-such-option', EXPLODE)).code).toBe(2);
  });
});

describe('the caret stays under the column', () => {
  const d = (line: number, col: number): Diagnostic => ({ file: 'f.litmus', line, col, severity: 'error', message: 'm' });

  it('keeps tabs, so the caret lines up however tabs are shown', () => {
    expect(formatDiagnostic(d(1, 3), '\t\tx = 1;')).toBe('f.litmus:1:3: error: m\n  \t\tx = 1;\n  \t\t^');
  });

  it('shows a window of a long line around the column', () => {
    const line = 'a'.repeat(1000) + 'X' + 'b'.repeat(1000);
    const [, shown, caret] = formatDiagnostic(d(1, 1001), line).split('\n');
    expect(shown).toBe(`  …${'a'.repeat(80)}X${'b'.repeat(79)}…`);
    expect(caret).toBe(`  ${' '.repeat(81)}^`);
  });

  it('reads CRLF sources line by line', () => {
    expect(formatDiagnostic(d(2, 2), 'C t\r\n{ x=0; }\r\n')).toBe('f.litmus:2:2: error: m\n  { x=0; }\n   ^');
  });
});

describe('loops are parsed whole, for --unroll', () => {
  it('keeps the init, condition, step and body of a for loop', () => {
    const src = 'C t\n{}\nP0(int *x) { for (int i = 0; i < 2; i = i + 1) WRITE_ONCE(*x, i); }\nexists (x=1)\n';
    const parsed = parseLitmus(src, 't.litmus');
    if (!parsed.ok) throw new Error(parsed.diagnostics[0].message);
    expect(parsed.test.threads[0].body[0]).toMatchObject({
      k: 'loop',
      kind: 'for',
      init: [{ k: 'decl', name: 'i', init: { k: 'num', value: 0 } }],
      cond: { k: 'binary', op: '<' },
      step: { k: 'assign', op: '=' },
      body: [{ k: 'expr', expr: { k: 'call', callee: 'WRITE_ONCE' } }],
      pos: { line: 3, col: 14 },
    });
  });

  it.each([
    ['while', 'while (READ_ONCE(*x)) ;', { kind: 'while', init: [], cond: { k: 'call' }, step: null, body: [] }],
    ['do', 'do { smp_mb(); } while (0);', { kind: 'do', init: [], cond: { k: 'num' }, step: null, body: [{ k: 'block' }] }],
    ['for (;;)', 'for (;;) smp_mb();', { kind: 'for', init: [], cond: null, step: null, body: [{ k: 'expr' }] }],
  ])('%s', (_, loop, expected) => {
    const parsed = parseLitmus(`C t\n{}\nP0(int *x) { ${loop} }\nexists (x=1)\n`, 't.litmus');
    expect(parsed.ok && parsed.test.threads[0].body[0]).toMatchObject({ k: 'loop', ...expected });
  });
});

describe('deep and long inputs: a clean error, never a stack overflow', () => {
  const SB = (body: string, cond = 'exists (0:r0=0)') => `C deep\n{ x=0; y=0; }\nP0(int *x, int *y) { int r0; ${body} }\n${cond}\n`;
  const error = (src: string) => {
    const res = decideSource(src, 'deep.litmus');
    if (res.ok) throw new Error('accepted');
    return res.diagnostics[0].message;
  };
  const TOO_DEEP = 'nested more than 500 levels deep (brackets, blocks and chained operators all count)';

  it.each([
    ['100,000 nested brackets', SB(`r0 = ${'('.repeat(100_000)}1${')'.repeat(100_000)};`)],
    ['a 100,000-term sum', SB(`r0 = READ_ONCE(*y)${' + 1'.repeat(100_000)};`)],
    ['100,000 nested ifs', SB(`${'if (r0) '.repeat(100_000)}r0 = 1;`)],
    ['100,000 nested blocks', SB(`${'{'.repeat(100_000)}${'}'.repeat(100_000)}`)],
    ['100,000 unary minuses', SB(`r0 = ${'- '.repeat(100_000)}1;`)],
    ['a 100,000-clause condition', SB('r0 = 1;', `exists (${Array(100_000).fill('0:r0=0').join(' \\/ ')})`)],
    ['100,000 nested negations in the condition', SB('r0 = 1;', `exists (${'~'.repeat(100_000)}0:r0=0)`)],
  ])('%s', (_, src) => {
    expect(error(src)).toBe(TOO_DEEP);
  });

  it('a 100,000-statement thread', () => {
    expect(error(SB('WRITE_ONCE(*x, 1);'.repeat(100_000)))).toBe('P0 is too long: more than 1000 operations');
  });

  it('handles what is just within the limits', () => {
    // 490 chained operators, or 490 nested brackets, or 240 of each, lower, explore and judge.
    for (const [brackets, operators] of [[0, 490], [490, 0], [240, 240]]) {
      const r = decideSource(SB(`r0 = ${'('.repeat(brackets)}1${' + 1'.repeat(operators)}${')'.repeat(brackets)};`, `exists (0:r0=${operators + 1})`), 'deep.litmus');
      expect(r.ok && r.result.judgement.observation).toBe('Always');
    }
    // A 300-times unrolled spin loop nests 300 ifs: paths are enumerated without recursion.
    const spin = `C spin\n{ x=0; }\nP0(int *x) { WRITE_ONCE(*x, 1); }\nP1(int *x) { int r0; while (READ_ONCE(*x) == 0) ; r0 = 1; }\nexists (1:r0=1)\n`;
    const s = decideSource(spin, 'spin.litmus', { lower: { unroll: 300 } });
    expect(s.ok && s.result.judgement.observation).toBe('Always');
  });

  it('a NUL or control character in the text is a syntax error', () => {
    expect(error(SB('r0 = 1;\u0000'))).toBe("unexpected character '\\u0000'");
    expect(error(SB('r0 = 1;\u0007'))).toBe("unexpected character '\\u0007'");
  });
});

describe('limits: "incomplete" and exit 3 on a test built to explode, never a verdict', () => {
  it.concurrent('--max-executions', async ({ expect }) => {
    const r = await cli('run', '--max-executions', '1000', EXPLODE);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^explode +lkmm +incomplete +- /m);
    expect(r.stdout).toContain(`  ! ${EXPLODE}: incomplete (--max-executions 1000 reached); explored 1000 executions`);
  });

  it.concurrent('--timeout', async ({ expect }) => {
    const start = Date.now();
    const r = await cli('run', '--timeout', '1', EXPLODE);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(`  ! ${EXPLODE}: incomplete (timeout reached); explored `);
    expect(Date.now() - start).toBeLessThan(15_000);
  });

  it.concurrent('herd7 format and JSON say Incomplete where the verdict would be', async ({ expect }) => {
    const herd = await cli('run', '--format', 'herd', '--max-executions', '200', EXPLODE);
    expect(herd.code).toBe(3);
    expect(herd.stdout).toMatch(/^Observation explode Incomplete \d+ \d+$/m);
    expect(herd.stdout).toMatch(/^Incomplete explode --max-executions 200 reached; explored 200 executions, \d+ consistent$/m);
    expect(herd.stdout).not.toMatch(/^Observation explode (Never|Sometimes|Always)/m);
    const json = await cli('run', '--format', 'json', '--max-executions', '200', EXPLODE);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)[0]).toMatchObject({ observation: 'Incomplete', complete: false, incomplete: '--max-executions 200 reached' });
  });

  it('through the library: what was explored so far, marked incomplete', () => {
    const r = check(EXPLODE, { maxExecutions: 500 });
    expect(r.judgement.complete).toBe(false);
    expect(r.stats).toMatchObject({ explored: 500, incomplete: '--max-executions 500 reached' });
    expect(r.judgement.vacuous).toBeNull();
  });

  it('path limits: too many paths per thread, too much path-enumeration work', () => {
    const many = check(EXPLODE, { maxPaths: 3 });
    expect([many.judgement.complete, many.stats.incomplete]).toEqual([false, 'P0 has more than 3 paths']);
    // 900 reads of a location with two values: 2^900 paths, stopped by the work limit.
    const reads = `C reads\n{ x=0; }\nP0(int *x) { int r0; ${'r0 = READ_ONCE(*x);'.repeat(900)} }\nP1(int *x) { WRITE_ONCE(*x, 1); }\nexists (0:r0=1)\n`;
    const res = decideSource(reads, 'reads.litmus', { maxPaths: 10_000_000 });
    expect(res.ok && res.result.stats.incomplete).toBe('path enumeration exceeded its work limit of 30000000 steps and copied events');
  });
});

describe('vacuous results are said as such', () => {
  const VACUOUS: Array<[name: string, reason: string, unroll?: number]> = [
    ['deadlock', 'no consistent execution: every execution deadlocks (locks never released)'],
    ['self-deadlock', 'no consistent execution: every execution deadlocks (locks never released)'],
    ['filter-all', 'the filter removed every execution'],
    ['filter-all-memory', 'the filter removed all 2 executions'],
    ['undefined-everywhere', 'every execution has undefined behaviour (1 execution)'],
    ['spin-forever', 'no consistent execution: none finishes its loops within the --unroll bound', 3],
    ['count-to-three', 'no consistent execution: none finishes its loops within the --unroll bound', 2],
  ];

  it.each(VACUOUS)('%s, through the library', (name, reason, unroll) => {
    const r = check(`${FIX}/${name}.litmus`, { lower: { unroll } });
    expect(r.judgement).toMatchObject({ complete: true, vacuous: reason, observation: 'Never', positive: 0, negative: 0, states: [] });
  });

  it('in every output format', async () => {
    // One run per format over all of them; --unroll 2 only matters to the two with loops, and
    // leaves both vacuous (spin-forever never ends, count-to-three needs 3 iterations).
    const rows = VACUOUS;
    const paths = rows.map(([name]) => `${FIX}/${name}.litmus`);
    const [text, herd, json] = await Promise.all(['text', 'herd', 'json'].map((f) => cli('run', '--unroll', '2', '--format', f, ...paths)));
    expect([text.code, herd.code, json.code]).toEqual([0, 0, 0]);
    const parsed = JSON.parse(json.stdout) as Array<{ name: string; vacuous: string }>;
    rows.forEach(([name, reason], i) => {
      expect(text.stdout).toMatch(new RegExp(`^${name} +lkmm +Never \\(vacuous\\) +No `, 'm'));
      expect(text.stdout).toContain(`  ! ${paths[i]}: vacuous: ${reason}\n`);
      expect(herd.stdout).toContain(`\nObservation ${name} Never 0 0\nVacuous ${name} ${reason}\n`);
      expect(parsed[i]).toMatchObject({ name, vacuous: reason });
    });
  });

  it('is not said of a test with executions left', () => {
    expect(check(`${FIX}/mp-spin.litmus`, { lower: { unroll: 2 } }).judgement.vacuous).toBeNull();
    expect(check(`${FIX}/do-while.litmus`, { lower: { unroll: 1 } }).judgement.vacuous).toBeNull();
  });
});

describe('undefined behaviour found while exploring is reported, not silently dropped', () => {
  it('leaves the executions that reach it out of the verdict, with a warning', async () => {
    const r = check(`${FIX}/undefined-sometimes.litmus`);
    expect(r.judgement.undefinedBehaviour).toEqual([{ thread: 1, pos: { line: 6, col: 56 }, message: 'dereferencing the non-pointer value 5', executions: 1 }]);
    expect(r.judgement).toMatchObject({ observation: 'Always', positive: 1, negative: 0, vacuous: null });
    expect(warningsOf(r).map((w) => `${w.line}:${w.col}: ${w.severity}: ${w.message}`)).toEqual([
      '6:56: warning: undefined behaviour in P1 (dereferencing the non-pointer value 5) in 1 consistent execution, left out of the verdict',
    ]);
    expect(formatHerd(r)).toContain('\nUndefined undefined-sometimes P1 line 6: dereferencing the non-pointer value 5 (1 execution)\n');
    expect(toJson(r).undefinedBehaviour).toEqual([{ thread: 1, line: 6, col: 56, message: 'dereferencing the non-pointer value 5', executions: 1 }]);
    const run = await cli('run', `${FIX}/undefined-sometimes.litmus`);
    expect(run.code).toBe(0);
    expect(run.stderr.split('\n')[0]).toBe(`${FIX}/undefined-sometimes.litmus:6:56: warning: undefined behaviour in P1 (dereferencing the non-pointer value 5) in 1 consistent execution, left out of the verdict`);
  });

  it('does not warn about guesses no execution makes (the corpus test that follows pointers)', () => {
    const path = join(ROOT, '../shared/corpus/herd-catalogue-linux/C-RomanPenyaev-list-rcu-rr.litmus');
    const res = decideSource(readFileSync(path, 'utf8'), path);
    expect(res.ok && res.result.judgement.undefinedBehaviour).toEqual([]);
  });
});

describe('loops: --unroll N explores at most N iterations and says the results are bounded', () => {
  const WARNING = (kind: string, n: number) => `'${kind}' loop unrolled ${n} time${n === 1 ? '' : 's'}: executions needing more iterations are not explored, so results are bounded`;

  it('decides a spin loop, with the warning on stderr and in JSON', async () => {
    const path = `${FIX}/mp-spin.litmus`;
    const r = await cli('run', '--unroll', '3', path);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`${path}:6:30: warning: ${WARNING('while', 3)}\n  P1(int *x, int *y) { int r1; while (smp_load_acquire(y) == 0) ; r1 = READ_ONCE(*x); }\n                               ^\n`);
    expect(r.stdout).toMatch(/^MP\+spin-acquire +lkmm +Never +No +1 +0\/\d+ /m);
    const json = JSON.parse((await cli('run', '--unroll', '3', '--format', 'json', path)).stdout)[0];
    expect(json.warnings).toEqual([{ line: 6, col: 30, message: WARNING('while', 3) }]);
  });

  it('runs a loop body at most N times, a do body at least once', () => {
    const count = check(`${FIX}/count-to-three.litmus`, { lower: { unroll: 3 } });
    expect(count.judgement).toMatchObject({ observation: 'Always', positive: 1, negative: 0 });
    expect(count.program.warnings).toEqual([{ pos: { line: 4, col: 22 }, message: WARNING('for', 3) }]);
    expect(check(`${FIX}/count-to-three.litmus`, { lower: { unroll: 2 } }).judgement.positive).toBe(0);
    expect(check(`${FIX}/do-while.litmus`, { lower: { unroll: 1 } }).judgement).toMatchObject({ observation: 'Always', positive: 1 });
  });

  it('under SC, a spin loop that waits for a flag sees the data', () => {
    expect(check(`${FIX}/mp-spin.litmus`, { model: 'sc', lower: { unroll: 2 } }).judgement).toMatchObject({ observation: 'Never', vacuous: null });
  });
});

describe('many files: one bad file never stops the others, and the summary counts errors', () => {
  it('runs every file and counts errors, incomplete and unexpected results', async () => {
    const files = [`${BAD}/empty.litmus`, `${FIX}/mp-spin.litmus`, `${BAD}/unknown-primitive.litmus`, '../shared/corpus/lkmm-kernel/SB+fencembonceonces.litmus', 'no/such/file.litmus', `${BAD}/binary.litmus`];
    const r = await cli('run', ...files);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^SB\+fencembonceonces +lkmm +Never +No /m);
    expect(r.stdout).toContain(`${FIX}/mp-spin.litmus`); // an error row: it has a loop and no --unroll
    expect(r.stdout.trimEnd().split('\n').at(-1)).toBe('6 tests, 5 errors, 0 incomplete, 0 unexpected');
    expect(r.stderr).toContain('no/such/file.litmus: error: no such file or directory\n');
    expect(r.stderr).toContain(`${BAD}/binary.litmus:4:1: error: binary file`);
  });

  it('exits 3 when the worst is a limit, and prints the summary on stderr for machine formats', async () => {
    const r = await cli('run', '--max-executions', '100', '--format', 'herd', '../shared/corpus/lkmm-kernel/SB+fencembonceonces.litmus', EXPLODE);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/^Observation SB\+fencembonceonces Never 0 3$/m);
    expect(r.stderr).toBe('2 tests, 0 errors, 1 incomplete, 0 unexpected\n');
  });

  it('walks directories safely: a symbolic link loop ends, a dangling link is reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'litmus-walk-'));
    mkdirSync(join(dir, 'sub'));
    writeFileSync(join(dir, 'sub', 'a.litmus'), readFileSync(join(ROOT, FIX, 'deadlock.litmus')));
    symlinkSync(dir, join(dir, 'sub', 'loop'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling.litmus'));
    expect(collectLitmusFiles([dir])).toEqual({ files: [join(dir, 'sub', 'a.litmus')], missing: [join(dir, 'dangling.litmus')] });
  });
});
