// Text for the parser-robustness property: arbitrary strings, soups of litmus tokens, and seed
// files (corpus tests, generated tests) with random edits.
import fc from 'fast-check';
import { printLitmus } from '../parse/print.js';
import { buildTest } from './generate.js';
import { buildKvmTest } from './kvm-gen.js';

const TOKENS = [
  'C', 'P0', 'P1', '(', ')', '{', '}', '[', ']', ';', ',', ':', '=', '==', '!=', '*', '&', '&&', '->', '.', '~', '/\\', '\\/',
  '(*', '*)', '/*', '*/', '//', '"', 'exists', '~exists', 'forall', 'filter', 'locations', 'bad', 'not', 'true', 'false',
  'int', 'int *', 'spinlock_t', 'struct kvm_vcpu', 'volatile', 'if', 'else', 'while', 'for', 'do', 'goto', 'return',
  'READ_ONCE', 'WRITE_ONCE(*x, 1)', 'smp_mb()', 'r0', 'x', 'y', '0:r0', '1:r0=x', 'vcpu->mode', '0', '1', '-1', '0x1f',
  '99999999999999999999', 'kvm_make_request', 'IN_GUEST_MODE', '\n', ' ', '\t', '\u00e9', '\u0000', '?', '#', '@', '`', '\\',
];

/** Built-in seeds, so the property has structure to mutate even without a corpus. */
function builtinSeeds(): string[] {
  const generated = buildTest({
    locations: 3,
    threads: [
      [{ k: 'store', kind: 'once', loc: 0, value: { k: 'const', v: 1 } }, { k: 'fence', kind: 'smp_mb' }, { k: 'load', kind: 'once', loc: 1 }],
      [{ k: 'chase', kind: 'rcu' }, { k: 'if', guard: true, back: 0, equals: 1, then: [{ k: 'rmw', op: 'cmpxchg', order: 'acquire', loc: 2, operand: 2, expected: 0 }], else: null }],
      [{ k: 'critical', locked: true, body: [{ k: 'store', kind: 'plain', loc: 1, value: { k: 'reg', back: 0, plus: 1 } }] }, { k: 'publish', kind: 'rcu', target: 1 }],
    ],
  });
  const kvm = buildKvmTest({
    vcpu: { write: 'smp_store_mb', barrier: 'none', check: 'kvm_check_request' },
    requesters: [{ make: 'kvm_make_request', barrier: 'smp_mb', notify: 'kvm_vcpu_kick' }],
  });
  const herdStyle = [
    'C MP+pooncerelease+poacquireonce',
    '"PodWWRelease RfeReleaseAcquire PodRRAcquireOnce FreOnceOnce"',
    'Cycle=RfeReleaseAcquire PodRRAcquireOnce',
    '(* Result: Never *)',
    '{}',
    'P0(int *x, int *y) { WRITE_ONCE(*x, 1); smp_store_release(y, 1); }',
    'P1(int *x, int *y) { int r0; int r1; r0 = smp_load_acquire(y); if (r0) r1 = READ_ONCE(*x); else { r1 = (r0 != 0) ? *x : 2; } }',
    'locations [x; 1:r1]',
    'filter (1:r0=1)',
    'exists',
    '(1:r0=1 /\\ ~(1:r1=1) \\/ not (x=0))',
  ].join('\n');
  return [printLitmus(generated), printLitmus(kvm), herdStyle];
}

type Edit =
  | { k: 'delete'; at: number; length: number }
  | { k: 'insert'; at: number; text: string }
  | { k: 'duplicate'; at: number; length: number }
  | { k: 'swap-lines'; a: number; b: number }
  | { k: 'truncate'; at: number };

/** Built on first use: a binary-string arbitrary costs most of a second to set up. */
const editArb = (): fc.Arbitrary<Edit> => fc.oneof(
  fc.record({ k: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ k: fc.constant('insert' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...TOKENS), fc.string({ maxLength: 4, unit: 'binary' })) }),
  fc.record({ k: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ k: fc.constant('swap-lines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ k: fc.constant('truncate' as const), at: fc.nat() }),
);

export function applyEdits(text: string, edits: Edit[]): string {
  let s = text;
  for (const e of edits) {
    const at = (n: number) => (s.length === 0 ? 0 : n % (s.length + 1));
    switch (e.k) {
      case 'delete': {
        const i = at(e.at);
        s = s.slice(0, i) + s.slice(i + e.length);
        break;
      }
      case 'insert': {
        const i = at(e.at);
        s = s.slice(0, i) + e.text + s.slice(i);
        break;
      }
      case 'duplicate': {
        const i = at(e.at);
        s = s.slice(0, i) + s.slice(i, i + e.length) + s.slice(i);
        break;
      }
      case 'swap-lines': {
        const lines = s.split('\n');
        const a = e.a % lines.length;
        const b = e.b % lines.length;
        [lines[a], lines[b]] = [lines[b], lines[a]];
        s = lines.join('\n');
        break;
      }
      case 'truncate':
        s = s.slice(0, at(e.at));
        break;
    }
  }
  return s;
}

/** Arbitrary text, token soup, and edited seeds (most weight: they get deepest into the parser). */
export function mutatedTextArb(extraSeeds: string[]): fc.Arbitrary<string> {
  const seeds = [...builtinSeeds(), ...extraSeeds];
  return fc.oneof(
    { arbitrary: fc.string({ maxLength: 80, unit: 'binary' }), weight: 1 },
    { arbitrary: fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }).map((ts) => ts.join(' ')), weight: 2 },
    {
      arbitrary: fc.tuple(fc.nat(seeds.length - 1), fc.array(editArb(), { minLength: 1, maxLength: 4 })).map(([i, edits]) => applyEdits(seeds[i], edits)),
      weight: 6,
    },
  );
}
