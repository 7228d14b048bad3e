// Every `sh` example of the documentation runs as written: each line of a ```sh block in the pages
// below is run from the repository's root (`npx litmus-check` as `node bin/litmus-check`), in
// order, and must end with the exit code its comment `# exit N` names (0 when it names none).
// Output transcripts and illustrations are in untagged blocks and are not run.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT } from './helpers/cli.js';

/** The pages whose examples are tested; a command page must have at least one. */
const PAGES = ['run', 'explain', 'check', 'fences', 'fuzz', 'litmus-format', 'kvm-dialect', 'models', 'errors-and-limits', 'performance', 'development', 'playground', 'cycle-values', 'herd7'];
const COMMAND_PAGES = ['run', 'explain', 'check', 'fences', 'fuzz', 'playground'];

export interface Example {
  page: string;
  line: number;
  command: string;
  exit: number;
}

/** The lines of a page's ```sh blocks, with the exit code each expects. */
export function examples(page: string, text: string): Example[] {
  const out: Example[] = [];
  let inSh = false;
  text.split('\n').forEach((raw, i) => {
    if (raw.startsWith('```')) {
      inSh = !inSh && raw.trim() === '```sh';
      return;
    }
    if (!inSh || raw.trim() === '' || raw.trim().startsWith('#')) return;
    const exit = /\s#\s*exit (\d+)\b/.exec(raw);
    // A comment starts at ' # ' (a '#' inside a word, as in a URL or --shard, is not one).
    const command = raw.replace(/\s+#\s.*$/, '').trim();
    out.push({ page, line: i + 1, command, exit: exit ? Number(exit[1]) : 0 });
  });
  return out;
}

function run(command: string): { code: number | null; output: string } {
  const cmd = command.replace(/^npx litmus-check\b/, 'node bin/litmus-check');
  const r = spawnSync('bash', ['-c', cmd], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 300_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

beforeAll(() => ensureBuilt());

describe('the examples of docs/ run as written', () => {
  for (const page of PAGES) {
    const file = join(ROOT, 'docs', `${page}.md`);
    const list = existsSync(file) ? examples(page, readFileSync(file, 'utf8')) : [];
    it(`docs/${page}.md exists${COMMAND_PAGES.includes(page) ? ' and has examples' : ''}`, () => {
      expect(existsSync(file)).toBe(true);
      if (COMMAND_PAGES.includes(page)) expect(list.length).toBeGreaterThan(0);
    });
    if (list.length === 0) continue;
    it(`docs/${page}.md: ${list.length} example${list.length === 1 ? '' : 's'}`, () => {
      for (const ex of list) {
        const r = run(ex.command);
        expect({ where: `docs/${page}.md:${ex.line}: ${ex.command}`, code: r.code }, r.output.slice(-2000)).toEqual({ where: `docs/${page}.md:${ex.line}: ${ex.command}`, code: ex.exit });
      }
    }, 600_000); // a page's examples run one after another, several over the whole KVM suite
  }

  it('reads blocks, comments and exit codes as the pages write them', () => {
    const md = 'text\n```sh\nnpx litmus-check run a   # a comment\n# a comment line\n\nnpx litmus-check check b --shard 1/2  # exit 1: a reason\n```\n```\n$ not run\n```\n';
    expect(examples('p', md)).toEqual([
      { page: 'p', line: 3, command: 'npx litmus-check run a', exit: 0 },
      { page: 'p', line: 6, command: 'npx litmus-check check b --shard 1/2', exit: 1 },
    ]);
  });

  it('fails on an example that breaks', () => {
    expect(run('npx litmus-check run litmus/kvm/no-such-test.litmus').code).toBe(2);
  });
});
