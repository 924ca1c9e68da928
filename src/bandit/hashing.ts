/**
 * Stable 32-bit string hashing for feature hashing. Bucket assignments are part of the model: a
 * snapshot is only meaningful with the same hash, so these functions must never change behaviour.
 */

/** FNV-1a's offset basis: the state before any byte. */
export const FNV_OFFSET = 0x811c9dc5;

/**
 * Continues an FNV-1a hash over the UTF-8 bytes of `text` (no allocation; a lone surrogate hashes as its 3-byte form).
 */
export function fnv1aUpdate(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) {
    let code = text.charCodeAt(i);
    if (code < 0x80) {
      h = Math.imul(h ^ code, 0x01000193);
      continue;
    }
    if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (code < 0x800) {
      h = Math.imul(h ^ (0xc0 | (code >> 6)), 0x01000193);
      h = Math.imul(h ^ (0x80 | (code & 0x3f)), 0x01000193);
    } else if (code < 0x10000) {
      h = Math.imul(h ^ (0xe0 | (code >> 12)), 0x01000193);
      h = Math.imul(h ^ (0x80 | ((code >> 6) & 0x3f)), 0x01000193);
      h = Math.imul(h ^ (0x80 | (code & 0x3f)), 0x01000193);
    } else {
      h = Math.imul(h ^ (0xf0 | (code >> 18)), 0x01000193);
      h = Math.imul(h ^ (0x80 | ((code >> 12) & 0x3f)), 0x01000193);
      h = Math.imul(h ^ (0x80 | ((code >> 6) & 0x3f)), 0x01000193);
      h = Math.imul(h ^ (0x80 | (code & 0x3f)), 0x01000193);
    }
  }
  return h >>> 0;
}

/** FNV-1a (32-bit) of the UTF-8 bytes of `text`. */
export function fnv1a(text: string): number {
  return fnv1aUpdate(FNV_OFFSET, text);
}

/**
 * murmur3's finaliser: spreads FNV's weak low bits over the word, so `h % buckets` and the sign bit
 * (bit 31) are close to independent.
 */
export function fmix32(hash: number): number {
  let h = hash >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
