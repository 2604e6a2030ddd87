import { randomUUID } from 'node:crypto';

/**
 * A real dynamic `import()` of an ESM-only package (eld, kubernetes-models)
 * from code that jest's CommonJS transform compiles (@swc/jest turns an
 * `import()` in the source into `require()`, which cannot load them; tsx and
 * Node keep it native). The import lives in a Function so no transform sees
 * it.
 *
 * Each module that loads this gets a Function of its own source text: V8
 * caches compiled Functions by source, and a cached one keeps the dynamic-import
 * handler of the jest runtime that compiled it first. With one shared source,
 * a second test file in the same jest worker imported through the first
 * file's torn-down runtime ("Cannot read properties of undefined (reading
 * 'identifier')").
 *
 * @example
 *   const { eld } = (await importEsm('eld')) as { eld: Eld };
 */
export const importEsm = new Function('specifier', `return import(specifier); // ${randomUUID()}`) as (specifier: string) => Promise<unknown>;
