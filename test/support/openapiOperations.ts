/**
 * The operations of an OpenAPI document and what is wrong with their
 * `operationId`s: a typed client names its methods and types after them, so
 * each must be there, camelCase, and unique.
 */

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head', 'options', 'trace'] as const;
const CAMEL_CASE = /^[a-z][a-zA-Z0-9]*$/;

export interface Operation {
  /** `GET /v1/conversations/{conversationId}` */
  route: string;
  operationId: string | undefined;
}

export type OpenApiPaths = { paths?: Record<string, Record<string, { operationId?: unknown } | unknown>> };

export function operationsOf(doc: OpenApiPaths): Operation[] {
  return Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m] !== undefined).map((m) => {
      const id = (item[m] as { operationId?: unknown }).operationId;
      return { route: `${m.toUpperCase()} ${path}`, operationId: typeof id === 'string' ? id : undefined };
    }),
  );
}

/** One line per problem, naming the route(s); empty when every operation has its own camelCase id. */
export function operationIdProblems(doc: OpenApiPaths): string[] {
  const problems: string[] = [];
  const routesById = new Map<string, string[]>();
  for (const { route, operationId } of operationsOf(doc)) {
    if (operationId === undefined) {
      problems.push(`${route}: no operationId; add a camelCase \`operationId\` to its route schema`);
      continue;
    }
    if (!CAMEL_CASE.test(operationId)) problems.push(`${route}: operationId "${operationId}" is not camelCase`);
    routesById.set(operationId, [...(routesById.get(operationId) ?? []), route]);
  }
  for (const [id, routes] of routesById) if (routes.length > 1) problems.push(`operationId "${id}" is shared by ${routes.join(', ')}`);
  return problems;
}
