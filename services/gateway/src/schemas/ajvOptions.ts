/**
 * How the gateway's route schemas are checked: an unknown field is refused,
 * not silently dropped, and a number where a string belongs is a client
 * error, not something to coerce.
 */
export const GATEWAY_AJV = { customOptions: { removeAdditional: false, allErrors: false, coerceTypes: false } } as const;
