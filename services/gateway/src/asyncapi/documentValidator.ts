import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';

export interface ValidationResult {
  valid: boolean;
  errors: ErrorObject[];
}

/**
 * Validates JSON against schemas inside an AsyncAPI document, by JSON
 * pointer, the way an integrator would with ajv (draft-07, the dialect of
 * AsyncAPI 3.0 schemas; `$ref`s resolve within the document). For tests:
 * the gateway itself never validates what it serves.
 *
 * @example
 *   const check = documentValidator(doc);
 *   check('/components/messages/contactcenter.conversation.v1.MessagePosted/payload', data); // { valid: true, errors: [] }
 */
export function documentValidator(document: { components: object }): (pointer: string, value: unknown) => ValidationResult {
  // Not strict: a message's keys (name, contentType, …) are not schema keywords. Only the
  // components: every $ref points there, and the document's root `id` would read as draft-04's.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ components: document.components }, 'asyncapi.json');
  const compiled = new Map<string, ValidateFunction>();
  return (pointer, value) => {
    let validate = compiled.get(pointer);
    if (!validate) {
      const target = pointer.split('/').slice(1).reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
      if (target === undefined) throw new Error(`no schema at ${pointer}`);
      validate = ajv.compile({ $ref: `asyncapi.json#${pointer}` });
      compiled.set(pointer, validate);
    }
    const valid = validate(value);
    return { valid, errors: valid ? [] : [...(validate.errors ?? [])] };
  };
}
