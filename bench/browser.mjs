// The browser row of `npm run bench`: the kernel's litmus tests decided by the playground's Web
// Worker in headless Chromium (Debian's chromium), timed inside the worker as the CLI's
// in-process row is timed inside Node. Skipped, with a message, when no chromium is installed.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p && existsSync(p));

/** Median worker time (ms) over `repeat` runs of FILES, or null when there is no browser. */
export async function browserMs(files, repeat) {
  if (!CHROMIUM) {
    console.warn('bench: no chromium found (apt-get install -y chromium): the browser row is left out');
    return null;
  }
  const { chromium } = await import('playwright-core');
  const { buildWeb } = await import('../scripts/build-web.mjs');
  const { startServer } = await import('../dist/cli/serve.js');
  const dir = mkdtempSync(join(tmpdir(), 'litmus-playground-'));
  await buildWeb(dir);
  const { server, url } = await startServer(dir, 0);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.waitForSelector('body[data-ready="true"]');
    const sources = files.map((f) => ({ file: f, source: readFileSync(f, 'utf8') }));
    const times = [];
    for (let k = 0; k < repeat; k++) {
      const res = await page.evaluate((s) => window.playground.workers.lane('bench').request({ kind: 'bench', sources: s }), sources);
      if (!res || res.kind !== 'bench' || res.result.verdicts.includes('error')) throw new Error('bench: the browser run failed');
      times.push(res.result.ms);
    }
    return [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)];
  } finally {
    await browser.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
