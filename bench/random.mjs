// Seeded pseudo-random numbers for the benchmarks: the same seed string gives the same sequence
// (mulberry32, seeded with the string's FNV-1a hash). Shared by bench/run.mjs and bench/soak.mjs.
function hashString(s) {
  let h = 2166136261 >>> 0;
  for (let i = 0; i < s.length; ++i) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h;
}

// A function returning numbers in [0, 1).
export function rngFor(seed) {
  let a = hashString(seed);
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
