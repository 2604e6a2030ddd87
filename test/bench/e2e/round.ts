/** A figure rounded for printing; null (not NaN) when there is none, so that the JSON line stays valid and says so. */
export const round = (n: number, digits = 2) => (Number.isFinite(n) ? Number(n.toFixed(digits)) : null);
