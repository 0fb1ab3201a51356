/**
 * mulberry32: a small, fast, well-mixed seeded 32-bit generator — plenty for synthetic states and
 * test chains that must come out the same for the same seed. Returns unsigned 32-bit integers.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The same sequence as fractions in [0, 1). */
export function mulberry32Fraction(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 2 ** 32;
}
