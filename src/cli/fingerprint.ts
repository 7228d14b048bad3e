// A file's fingerprint, to tell the kernel's LKMM files by their contents. Not MD5: a one-test
// process runs it before JIT warm-up, where MD5's unsigned arithmetic (a boxed number per step)
// cost ~45 ms and a GC for 24 KB of model files; this is two 32-bit multiplicative hashes over
// words, ~1 ms. It tells content apart, not an adversary's forgery (which would only choose the
// native engine for a file that says what the kernel's says).

/** `length-h1-h2` of bytes (h1 FNV-1a over little-endian 32-bit words, h2 a second mix). */
export function fingerprint(bytes: Uint8Array): string {
  // A copy into a fresh buffer: the words are then aligned whatever the input's byteOffset.
  const words = new Int32Array((bytes.length + 3) >>> 2);
  new Uint8Array(words.buffer).set(bytes);
  let h1 = 0x811c9dc5 | 0;
  let h2 = bytes.length | 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i];
    h1 = Math.imul(h1 ^ w, 0x01000193);
    h2 = Math.imul(h2 + w, 0x5bd1e995) ^ (h2 >>> 13);
  }
  return `${bytes.length}-${(h1 >>> 0).toString(16)}-${(h2 >>> 0).toString(16)}`;
}
