/** Progress lines on stderr, so that stdout keeps only the tables and the final JSON line. */
export const log = (line: string) => process.stderr.write(`[e2e bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
