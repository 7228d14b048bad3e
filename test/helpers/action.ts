// Running the shell steps of action.yml outside GitHub: each `run: |` block with its `env:`
// (the `${{ inputs.X }}` expressions replaced by the inputs given) and the variables a runner
// sets (GITHUB_ACTION_PATH, RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';

export interface ActionStep {
  name: string;
  env: Record<string, string>;
  run: string;
}

/** The steps of action.yml that run a shell script (setup-node and other `uses:` steps are not). */
export function actionSteps(file = join(ROOT, 'action.yml')): ActionStep[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const steps: ActionStep[] = [];
  let cur: ActionStep | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const start = /^ {4}- (name|uses): ?(.*)$/.exec(line);
    if (start) {
      cur = { name: start[1] === 'name' ? start[2] : `uses ${start[2]}`, env: {}, run: '' };
      steps.push(cur);
      continue;
    }
    if (!cur) continue;
    if (/^ {6}env:\s*$/.test(line)) {
      while (i + 1 < lines.length && /^ {8}\S/.test(lines[i + 1])) {
        const m = /^ {8}([A-Z_]+):\s*(.*)$/.exec(lines[++i]);
        if (m) cur.env[m[1]] = m[2];
      }
    } else if (/^ {6}run: \|\s*$/.test(line)) {
      const body: string[] = [];
      while (i + 1 < lines.length && (/^ {8}/.test(lines[i + 1]) || lines[i + 1].trim() === '')) body.push(lines[++i].slice(8));
      cur.run = body.join('\n').trimEnd() + '\n';
    }
  }
  return steps.filter((s) => s.run !== '');
}

/** Run one step as the runner would: bash, the step's env with the inputs filled in. */
export function runStep(step: ActionStep, inputs: Record<string, string>, env: Record<string, string>, cwd: string) {
  const filled = Object.fromEntries(Object.entries(step.env).map(([k, v]) => [k, v.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name: string) => inputs[name] ?? '')]));
  const r = spawnSync('bash', ['-e', '-c', step.run], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env, ...filled }, timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
