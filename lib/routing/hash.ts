/**
 * A stable 32-bit string hash: FNV-1a over UTF-16 code units, then murmur3's finalizer. FNV-1a
 * alone clusters on strings that differ only at the end ("host#1", "host#2"), which virtual node
 * names do; the finalizer spreads them over the ring. Same input, same value, in every process.
 */
export function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
