import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fingerprint } from '../src/cli/fingerprint.js';

const cat = readFileSync(new URL('../../shared/models/lkmm/linux-kernel.cat', import.meta.url));

describe('fingerprint (the herd7 drop-in tells the kernel LKMM files by it)', () => {
  it('is the same for the same bytes at any offset of a buffer, and differs on any one byte changed', () => {
    const shifted = new Uint8Array(cat.length + 3);
    shifted.set(cat, 3);
    expect(fingerprint(shifted.subarray(3))).toBe(fingerprint(cat));
    const seen = new Set([fingerprint(cat)]);
    for (const at of [0, 1, 2, 3, 4, Math.floor(cat.length / 2), cat.length - 1]) {
      const changed = Uint8Array.from(cat);
      changed[at] ^= 0x20;
      seen.add(fingerprint(changed));
    }
    expect(seen.size).toBe(8);
    // A trailing zero byte pads the last word as the padding does: the length tells them apart.
    expect(fingerprint(Uint8Array.from([...cat, 0]))).not.toBe(fingerprint(cat));
  });
});
