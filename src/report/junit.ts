// JUnit XML, as Jenkins, GitLab and the GitHub test-report actions read it: one <testsuite> per
// group (a folder of tests), one <testcase> per test, with <failure>, <error> or <skipped>.
import { XMLBuilder } from 'fast-xml-parser';
import { caseTotals, type CaseReport } from './cases.js';

// XML 1.0 forbids most control characters even when escaped; drop them.
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;
const clean = (s: string) => s.replace(INVALID_XML, '');
const seconds = (ms: number) => (ms / 1000).toFixed(3);

type XmlNode = Record<string, unknown>;

export function formatJUnit(suiteName: string, cases: readonly CaseReport[]): string {
  return [...junitChunks(suiteName, cases)].join('');
}

/**
 * The same document in pieces, one <testsuite> at a time, so a report over a very long run is
 * written without ever being one string.
 */
export function* junitChunks(suiteName: string, cases: readonly CaseReport[]): Generator<string> {
  const groups = new Map<string, CaseReport[]>();
  for (const c of cases) {
    const list = groups.get(c.group) ?? [];
    list.push(c);
    groups.set(c.group, list);
  }
  const totals = caseTotals(cases);
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
  const attrs = (t: ReturnType<typeof caseTotals>) => `tests="${t.tests}" failures="${t.failures}" errors="${t.errors}" skipped="${t.skipped}" time="${seconds(t.timeMs)}"`;
  yield `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${escapeAttr(clean(suiteName))}" ${attrs(totals)}>\n`;
  for (const [group, list] of groups) {
    const t = caseTotals(list);
    const suite: XmlNode = {
      testsuite: {
        '@_name': clean(group),
        '@_tests': t.tests,
        '@_failures': t.failures,
        '@_errors': t.errors,
        '@_skipped': t.skipped,
        '@_time': seconds(t.timeMs),
        testcase: list.map(testCase),
      },
    };
    const xml: string = builder.build(suite);
    yield xml.replace(/^(?=.)/gm, '  ');
  }
  yield '</testsuites>\n';
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function testCase(c: CaseReport): XmlNode {
  const node: XmlNode = {
    '@_name': clean(c.name),
    '@_classname': clean(c.group),
    '@_file': clean(c.file),
    '@_line': c.line,
    '@_time': seconds(c.timeMs),
  };
  const message = clean(c.message.replace(/\s*\n\s*/g, ' '));
  const body = clean(c.details ?? `${c.file}:${c.line}:${c.col}: ${c.message}`);
  if (c.status === 'failed') node.failure = { '@_message': message, '@_type': c.kind ?? 'failure', '#text': body };
  else if (c.status === 'error') node.error = { '@_message': message, '@_type': c.kind ?? 'error', '#text': body };
  else if (c.status === 'skipped') node.skipped = { '@_message': message };
  if (c.warnings?.length) node['system-err'] = clean(c.warnings.map((w) => `${c.file}:${w.line}:${w.col}: warning: ${w.message}`).join('\n'));
  return node;
}
