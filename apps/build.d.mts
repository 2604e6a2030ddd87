/** Builds the widget and the desk with esbuild; resolves with each bundle's gzipped size in bytes. */
export function buildApps(opts?: { quiet?: boolean }): Promise<{ widget: number; desk: number }>;
