// Runs a bundle of dist/bundle/ with a V8 code cache (Node 20 has no module compile cache): the
// compiled code is saved beside the bundle (or in the temporary directory when that is read-only)
// after the first run, so later processes skip most of the compilation.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

function cachePaths(file, source) {
  // Keyed by the bundle's size and time and node's version (no node:crypto: it is slow to load).
  const st = fs.statSync(file);
  const key = `${source.length}-${Math.floor(st.mtimeMs)}-${process.version}`;
  const name = `${path.basename(file)}.${key}.v8cache`;
  // The temporary directory's path as a function: node:os is loaded only when the first fails.
  return [() => path.join(path.dirname(file), name), () => path.join(require('node:os').tmpdir(), `litmus-check-${name}`)];
}

function readCache(paths) {
  for (const p of paths) {
    try {
      return fs.readFileSync(p());
    } catch {}
  }
  return undefined;
}

/**
 * The module of an executable: the bundle when it is at least as new as tsc's output in
 * dist/cli/ (a build that ran tsc alone leaves an older bundle), else tsc's output itself.
 */
exports.entry = async function entry(bundle, module) {
  const dist = path.join(__dirname, '..', 'dist');
  const file = path.join(dist, 'bundle', bundle);
  try {
    if (fs.statSync(file).mtimeMs >= fs.statSync(path.join(dist, 'cli', 'main.js')).mtimeMs) return exports.load(file);
  } catch {}
  return import(require('node:url').pathToFileURL(path.join(dist, 'cli', module)).href);
};

// Code run by vm.Script cannot import() on Node 20 without a flag: the bundle's on-demand ES
// modules (Graphviz) are imported through this function of a real CommonJS module instead.
globalThis[Symbol.for('litmus-check.import')] = (specifier) => import(specifier);

exports.load = function load(file) {
  // The bundle is ASCII (scripts/bundle.mjs: charset ascii), so latin1 reads it exactly, and
  // faster than UTF-8's validation and decoding.
  const source = fs.readFileSync(file, 'latin1');
  const paths = cachePaths(file, source);
  const cachedData = readCache(paths);
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: file, cachedData, });
  const mod = { exports: {} };
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, path.dirname(file));
  if (cachedData === undefined || script.cachedDataRejected) {
    // Saved once the run is over, so the functions it compiled lazily are in the cache too.
    process.once('beforeExit', () => {
      const data = script.createCachedData();
      for (const pathOf of paths) {
        try {
          const p = pathOf();
          const tmp = `${p}.${process.pid}`;
          fs.writeFileSync(tmp, data);
          fs.renameSync(tmp, p);
          return;
        } catch {}
      }
    });
  }
  return mod.exports;
};
