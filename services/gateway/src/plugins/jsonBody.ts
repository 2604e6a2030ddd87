import { ValidationError } from '@contactcenter/infra';
import type { FastifyInstance } from 'fastify';
import { isUtf8 } from 'node:buffer';

/**
 * JSON bodies must be UTF-8 (RFC 8259 §8.1). Fastify's own parser decodes
 * the bytes first, silently turning invalid sequences into U+FFFD, so a
 * client's broken text would be stored as if the customer had typed "�".
 * This parser refuses such a body with 400 `validation` and otherwise hands
 * the text to fastify's parser, keeping its prototype-poisoning checks.
 */
export function jsonBodyPlugin(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const bytes = body as Buffer;
    if (!isUtf8(bytes)) return done(new ValidationError('body', 'must be UTF-8 encoded JSON'), undefined);
    parseJson(request, bytes.toString('utf8'), done);
  });
}
