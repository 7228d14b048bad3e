// Finding Debian's chromium for the browser tests and the bench (never a downloaded browser).
import { existsSync } from 'node:fs';

const CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/** The browser's path, or null when none is installed. */
export function findChromium(): string | null {
  for (const p of CANDIDATES) if (p && existsSync(p)) return p;
  return null;
}
