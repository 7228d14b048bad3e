// `litmus-check serve`: the playground (built by `npm run build:web` into dist/playground) on
// 127.0.0.1. The server only hands out the static files: every run happens in the browser.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_BAD_INPUT } from './exit-codes.js';

export interface ServeOptions {
  port: number;
  open?: boolean;
  /** The folder to serve (default: the package's dist/playground). */
  dir?: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** dist/playground beside this file's dist/cli (the same from src/cli under the tests). */
export function playgroundDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return resolve(here, '..', '..', 'dist', 'playground');
}

/** A static file server for DIR on 127.0.0.1:PORT (0 picks a free port); resolves once listening. */
export function startServer(dir: string, port: number): Promise<{ server: Server; url: string }> {
  const root = resolve(dir);
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = normalize(join(root, path.endsWith('/') ? `${path}index.html` : path));
    if ((file !== root && !file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' }).end(readFileSync(file));
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      ok({ server, url: `http://127.0.0.1:${actual}/` });
    });
  });
}

/** Opens the URL with the desktop's opener, when there is one; says so when there is none. */
function openBrowser(url: string): void {
  const opener = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`litmus-check: no browser to open (${opener} not found): open ${url} yourself\n`));
  child.unref();
}

export async function serveCommand(opts: ServeOptions): Promise<number> {
  const dir = opts.dir ?? playgroundDir();
  if (!existsSync(join(dir, 'index.html'))) {
    process.stderr.write(`litmus-check: the playground is not built (no ${join(dir, 'index.html')}): run npm run build:web\n`);
    return EXIT_BAD_INPUT;
  }
  try {
    const { url } = await startServer(dir, opts.port);
    process.stdout.write(`playground: ${url} (Ctrl-C stops it)\n`);
    if (opts.open) openBrowser(url);
  } catch (e) {
    process.stderr.write(`litmus-check: cannot listen on 127.0.0.1:${opts.port}: ${(e as Error).message}\n`);
    return EXIT_BAD_INPUT;
  }
  // The server keeps the process alive until it is stopped.
  return new Promise<number>(() => undefined);
}
