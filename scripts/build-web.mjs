// `npm run build:web`: the playground as a static folder (dist/playground) that any static host
// serves and `litmus-check serve` serves. The page and its worker are bundled with esbuild; the
// examples (litmus/kvm and, when ../shared is there, the kernel's litmus tests) and the model
// files are read now and written to examples.json. Nothing from ../shared is kept in the repo.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const out = resolve(root, process.argv[2] ?? 'dist/playground');
const web = join(root, 'src/web');
const KERNEL_DIRS = ['../shared/kernel-mm/memory-model/litmus-tests', '../shared/corpus/lkmm-kernel'];
const MODEL_DIR = '../shared/kernel-mm/memory-model';

/** The first comment's text, without its `Result:` lines: what the test is about. */
export function description(source) {
  const m = /\(\*([\s\S]*?)\*\)/.exec(source);
  if (!m) return '';
  const lines = m[1].split('\n').map((l) => l.replace(/^\s*\*?\s?/, '').trimEnd());
  const text = lines.filter((l) => !/^Result(\([^)]*\))?:/.test(l.trim())).join('\n').trim();
  return text.split(/\n\s*\n/)[0].replace(/\s+/g, ' ').trim();
}

function examples(dir, group) {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.litmus'))
    .sort()
    .map((f) => {
      const source = readFileSync(join(dir, f), 'utf8');
      return { name: f.replace(/\.litmus$/, ''), group, description: description(source), source };
    });
}

const SC_MODEL = {
  cfg: 'sc.cfg',
  files: {
    'sc.cfg': '# A small model to start from: edit it, tick "my model", run.\nmodel sc.cat\n',
    'sc.cat': '"sequential consistency, as a cat model"\ninclude "cos.cat"\n\n(* one order of all accesses that program order, rf, co and fr agree with *)\nacyclic po | rf | co | fr as sc\n',
  },
};

function library() {
  const list = examples(join(root, 'litmus/kvm'), 'KVM vCPU requests (litmus/kvm)');
  const kernel = KERNEL_DIRS.map((d) => resolve(root, d)).find((d) => existsSync(d));
  let missing = null;
  if (kernel) list.push(...examples(kernel, "the kernel's litmus tests (tools/memory-model/litmus-tests)"));
  else missing = `the kernel's litmus tests were not found at build time (looked in ${KERNEL_DIRS.join(', ')}): only the KVM examples are included`;
  const models = [];
  const mm = resolve(root, MODEL_DIR);
  if (existsSync(join(mm, 'linux-kernel.cfg'))) {
    const files = {};
    for (const f of ['linux-kernel.cfg', 'linux-kernel.cat', 'linux-kernel.bell', 'linux-kernel.def', 'lock.cat']) files[f] = readFileSync(join(mm, f), 'utf8');
    models.push({ cfg: 'linux-kernel.cfg', files });
  }
  models.push(SC_MODEL);
  return { examples: list, missing, models };
}

export async function buildWeb(dest = out) {
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const common = { bundle: true, minify: true, sourcemap: false, target: 'es2022', platform: 'browser', logLevel: 'warning', legalComments: 'none' };
  await build({ ...common, entryPoints: [join(web, 'main.ts')], outdir: dest, entryNames: 'app', chunkNames: 'chunk-[hash]', format: 'esm', splitting: true });
  await build({ ...common, entryPoints: [join(web, 'worker.ts')], outfile: join(dest, 'worker.js'), format: 'iife' });
  copyFileSync(join(web, 'index.html'), join(dest, 'index.html'));
  copyFileSync(join(web, 'style.css'), join(dest, 'style.css'));
  const lib = library();
  writeFileSync(join(dest, 'examples.json'), JSON.stringify(lib));
  return lib;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const lib = await buildWeb();
  if (lib.missing) console.warn(`build:web: ${lib.missing}`);
  console.log(`build:web: ${out} (${lib.examples.length} examples, ${lib.models.length} model${lib.models.length === 1 ? '' : 's'})`);
}
