/**
 * nats-server's configuration syntax, read far enough to check what a built
 * overlay configures: blocks `{}`, arrays `[]`, `key: value` / `key = value` /
 * `key value`, quoted and bare strings, `#` and `//` comments, `include
 * <file>` (from the same ConfigMap) and `$VAR` from the server's environment.
 * Numbers and sizes stay strings. `nats-server -t` (platformChecks.ts) is the
 * judge of validity; this only answers "what does it say".
 *
 * @example
 *   parseNatsConf({ 'nats.conf': 'gateway { name: $R }' }, 'nats.conf', { R: 'eu' }) // { gateway: { name: 'eu' } }
 */
export type NatsValue = string | NatsValue[] | { [key: string]: NatsValue };
export type NatsMap = { [key: string]: NatsValue };

export function parseNatsConf(files: Record<string, string>, entry: string, env: Record<string, string> = {}): NatsMap {
  const text = files[entry];
  if (text === undefined) throw new Error(`nats configuration: ${entry} is not in the ConfigMap`);
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`${entry}:${text.slice(0, at).split('\n').length}: ${why}`);
  };
  const skip = (newlines: boolean) => {
    for (;;) {
      const c = text[at];
      if (c === ' ' || c === '\t' || c === '\r' || ((c === '\n' || c === ',' || c === ';') && newlines)) at++;
      else if (c === '#' || (c === '/' && text[at + 1] === '/')) while (at < text.length && text[at] !== '\n') at++;
      else return;
    }
  };
  const quoted = (): string => {
    const q = text[at++]!;
    const end = text.indexOf(q, at);
    if (end < 0) fail('unterminated string');
    const s = text.slice(at, end);
    at = end + 1;
    return s;
  };
  const bare = (stop: RegExp): string => {
    const start = at;
    while (at < text.length && !stop.test(text[at]!)) at++;
    return text.slice(start, at);
  };
  const value = (): NatsValue => {
    const c = text[at];
    if (c === '{') {
      at++;
      const m = map('}');
      at++;
      return m;
    }
    if (c === '[') {
      at++;
      const items: NatsValue[] = [];
      for (skip(true); text[at] !== ']'; skip(true)) {
        if (at >= text.length) fail('unterminated array');
        items.push(value());
      }
      at++;
      return items;
    }
    if (c === '"' || c === "'") return quoted();
    const word = bare(/[\s,;\]}#]/);
    if (word.startsWith('$')) return env[word.slice(1)] ?? fail(`${word} is not in the server's environment`);
    return word;
  };
  const map = (end: string | undefined): NatsMap => {
    const out: NatsMap = {};
    for (skip(true); at < text.length && text[at] !== end; skip(true)) {
      const key = text[at] === '"' || text[at] === "'" ? quoted() : bare(/[\s:={[]/);
      skip(false);
      if (text[at] === ':' || text[at] === '=') at++;
      skip(false);
      if (key === 'include') {
        const file = text[at] === '"' || text[at] === "'" ? quoted() : bare(/[\s;]/);
        Object.assign(out, parseNatsConf(files, file, env));
      } else out[key] = value();
    }
    if (end && text[at] !== end) fail(`missing ${end}`);
    return out;
  };
  return map(undefined);
}
