// Mutants of litmus files, for the robustness campaigns: the fast-check arbitrary that describes
// them, the function that applies one to a file's bytes, and the check every mutant must pass.
// Plain JavaScript so that both the test suite (on the TypeScript sources) and the long campaign
// script (on the compiled dist/) can share it: the library is passed in, not imported.
import fc from 'fast-check';

/** Fragments worth splicing in: delimiters, comment openers, keywords, names that do not exist. */
const FRAGMENTS = [
  '(', ')', '{', '}', '[', ']', ';', ',', '*', '&', '-', '~', '=', '==', '/\\', '\\/', '->', ':',
  '(*', '*)', '/*', '*/', '//', '"', "'", '\\', '#include', '\u00e9', '\u2028', '\t', '\r\n',
  'P0', 'P1', 'P9', '0:r0', '1:r9', '7:r0', 'x', 'y', 'zz', 'r0', 'r99', 'NULL', '0', '-1', '4294967296',
  '99999999999999999999', '0x7fffffff', 'exists', '~exists', 'forall', 'filter', 'locations', 'not',
  'if (r0)', 'else', 'while (1)', 'for (;;)', 'do', 'goto', 'return', 'int', 'int *', 'struct', 'C',
  'READ_ONCE(*x)', 'WRITE_ONCE(*x, 1);', 'smp_mb();', 'spin_lock(x);', 'spin_unlock(x);', 'xchg(x, 1)',
  'r0 = READ_ONCE(*r0);', 'r1 = 1;', 'READ_ONCE(*r1)', '*r0 = 1;', 'kvm_vcpu_kick(vcpu);',
];

const at = fc.nat({ max: 1 << 20 });

/** One edit of a file, located by numbers taken modulo the file's size when applied. */
export const mutationOp = fc.oneof(
  fc.record({ kind: fc.constant('delete-char'), at }),
  fc.record({ kind: fc.constant('duplicate-char'), at }),
  fc.record({ kind: fc.constant('swap-chars'), at }),
  fc.record({ kind: fc.constant('delete-line'), at }),
  fc.record({ kind: fc.constant('duplicate-line'), at, times: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('swap-lines'), at, to: at }),
  fc.record({ kind: fc.constant('delete-token'), at }),
  fc.record({ kind: fc.constant('duplicate-token'), at, times: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('swap-tokens'), at, to: at }),
  fc.record({ kind: fc.constant('insert-bytes'), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('insert-fragment'), at, fragment: fc.constantFrom(...FRAGMENTS) }),
);

/** A mutant: which seed file, the edits (applied in order) and how it is checked. */
export function mutantArbitrary(seedCount) {
  return fc.record({
    seed: fc.nat({ max: seedCount - 1 }),
    ops: fc.array(mutationOp, { minLength: 1, maxLength: 4 }),
    model: fc.constantFrom('lkmm', 'lkmm', 'sc', 'tso'),
    unroll: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  });
}

const latin1 = (bytes) => Buffer.from(bytes).toString('latin1');
const fromLatin1 = (text) => new Uint8Array(Buffer.from(text, 'latin1'));

/** Spans of the text's lines (newline included) or tokens: [start, end) pairs. */
function spans(text, unit) {
  const re = unit === 'line' ? /[^\n]*\n|[^\n]+$/g : /[A-Za-z_][A-Za-z0-9_]*|\d+|\S/g;
  const out = [];
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) break;
    out.push([m.index, m.index + m[0].length]);
  }
  return out;
}

function applyOne(text, op) {
  const n = text.length;
  const pos = n === 0 ? 0 : op.at % n;
  switch (op.kind) {
    case 'delete-char':
      return text.slice(0, pos) + text.slice(pos + 1);
    case 'duplicate-char':
      return text.slice(0, pos + 1) + text.slice(pos);
    case 'swap-chars':
      return n < 2 ? text : text.slice(0, pos) + (text[pos + 1] ?? '') + text[pos] + text.slice(pos + 2);
    case 'insert-bytes':
      return text.slice(0, pos) + latin1(op.bytes) + text.slice(pos);
    case 'insert-fragment':
      // Fragments are UTF-8 text: insert their bytes.
      return text.slice(0, pos) + latin1(new TextEncoder().encode(op.fragment)) + text.slice(pos);
    default: {
      const unit = op.kind.endsWith('line') || op.kind.endsWith('lines') ? 'line' : 'token';
      const parts = spans(text, unit);
      if (parts.length === 0) return text;
      const [s, e] = parts[op.at % parts.length];
      const piece = text.slice(s, e);
      const sep = unit === 'token' ? ' ' : '';
      if (op.kind.startsWith('delete')) return text.slice(0, s) + text.slice(e);
      if (op.kind.startsWith('duplicate')) return text.slice(0, e) + (sep + piece).repeat(op.times) + text.slice(e);
      const [s2, e2] = parts[op.to % parts.length];
      if (s2 === s) return text;
      const [a, b] = s < s2 ? [[s, e], [s2, e2]] : [[s2, e2], [s, e]];
      return text.slice(0, a[0]) + text.slice(b[0], b[1]) + text.slice(a[1], b[0]) + text.slice(a[0], a[1]) + text.slice(b[1]);
    }
  }
}

/** The mutant's bytes (edits work on bytes, so they can break UTF-8 or add NULs). */
export function applyMutations(bytes, ops) {
  let text = latin1(bytes);
  for (const op of ops) text = applyOne(text, op);
  return fromLatin1(text);
}

/** Limits each mutant is checked with: small, so that the campaign stays fast. */
export const MUTANT_LIMITS = { maxExecutions: 300, timeoutMs: 2000 };

/**
 * Run one mutant through the whole pipeline and check what a user would see: bytes decoded or
 * refused with a position, then a result or diagnostics that point inside the file. Throws on
 * any violation (an uncaught exception from the library propagates as it is).
 * `lib` is { decodeLitmusBytes, decideSource, formatDiagnostic, formatHerd, toJson, warningsOf }.
 * Returns the outcome's kind, for the campaign's figures.
 */
export function checkMutant(lib, bytes, mutant, file = 'mutant.litmus') {
  const decoded = lib.decodeLitmusBytes(bytes);
  if (!decoded.ok) {
    expectPosition(decoded.pos, null, decoded.message);
    return 'refused-bytes';
  }
  const text = decoded.text;
  const res = lib.decideSource(text, file, { model: mutant.model, ...MUTANT_LIMITS, lower: { unroll: mutant.unroll } });
  if (!res.ok) {
    if (res.diagnostics.length === 0) throw new Error('an error result without a diagnostic');
    for (const d of res.diagnostics) {
      expectPosition(d, text, d.message);
      if (d.file !== file || d.severity !== 'error') throw new Error(`bad diagnostic ${JSON.stringify(d)}`);
      lib.formatDiagnostic(d, text);
    }
    return 'error';
  }
  const r = res.result;
  for (const w of lib.warningsOf(r)) {
    expectPosition(w, text, w.message);
    lib.formatDiagnostic(w, text);
  }
  const herd = lib.formatHerd(r, text);
  lib.toJson(r);
  const j = r.judgement;
  // An incomplete run must say why, and must never claim Never/Always in herd7's format.
  if (j.complete !== (r.stats.incomplete === null)) throw new Error('complete and stats.incomplete disagree');
  if (!j.complete && !/^Observation \S+ Incomplete /m.test(herd)) throw new Error('an incomplete result printed a verdict');
  if (j.positive + j.negative + j.filteredOut > r.stats.consistent) throw new Error('more judged executions than consistent ones');
  return j.complete ? (j.vacuous ? 'vacuous' : 'decided') : 'incomplete';
}

function expectPosition(pos, text, message) {
  if (typeof message !== 'string' || message.length === 0) throw new Error('an empty message');
  if (!Number.isInteger(pos.line) || !Number.isInteger(pos.col) || pos.line < 1 || pos.col < 1) throw new Error(`bad position ${JSON.stringify(pos)} for: ${message}`);
  if (text !== null) {
    const lines = text.split('\n');
    if (pos.line > lines.length) throw new Error(`line ${pos.line} is past the end (${lines.length} lines) for: ${message}`);
    if (pos.col > lines[pos.line - 1].length + 1) throw new Error(`column ${pos.col} is past the end of line ${pos.line} for: ${message}`);
  }
}
