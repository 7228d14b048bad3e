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
  const groups = new Map<string, CaseReport[]>();
  for (const c of cases) {
    const list = groups.get(c.group) ?? [];
    list.push(c);
    groups.set(c.group, list);
  }
  const totals = caseTotals(cases);
  const suites: XmlNode[] = [...groups.entries()].map(([group, list]) => {
    const t = caseTotals(list);
    return {
      '@_name': clean(group),
      '@_tests': t.tests,
      '@_failures': t.failures,
      '@_errors': t.errors,
      '@_skipped': t.skipped,
      '@_time': seconds(t.timeMs),
      testcase: list.map(testCase),
    };
  });
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      '@_name': clean(suiteName),
      '@_tests': totals.tests,
      '@_failures': totals.failures,
      '@_errors': totals.errors,
      '@_skipped': totals.skipped,
      '@_time': seconds(totals.timeMs),
      testsuite: suites,
    },
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true });
  return builder.build(doc);
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
  return node;
}
