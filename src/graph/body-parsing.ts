import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance, preParsingHookHandler } from 'fastify';
import type { Transform } from 'node:stream';
import { GraphError } from './errors.js';

/**
 * Request bodies: JSON only (415 otherwise), optionally gzip- or deflate-compressed (the kiota Graph SDK
 * compresses). The body limit applies to the decompressed bytes, so a small zip bomb is still a 413.
 */
export function registerBodyParsing(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    const text = (body as Buffer).toString('utf8');
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(GraphError.badRequest(`The request body is not valid JSON: ${(err as Error).message}.`), undefined);
    }
  });
  app.addContentTypeParser('*', (request, _payload, done) => {
    done(GraphError.unsupportedMediaType(
      `The Content-Type '${request.headers['content-type'] ?? ''}' is not supported; send 'application/json'.`), undefined);
  });
}

/**
 * The `preParsing` hook of the routes that take a body (resource.ts, the dev token endpoint): gzip and deflate
 * bodies are decompressed, other encodings refused. A route hook rather than a global one, so a GET does not
 * pay for the hook run; callback-style, as an async hook costs a promise and a microtask.
 */
export const decodeBody: preParsingHookHandler = (request, _reply, payload, done) => {
  const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') {
    done(null, payload);
    return;
  }
  let decoder: Transform;
  if (encoding === 'gzip' || encoding === 'x-gzip') decoder = createGunzip();
  else if (encoding === 'deflate') decoder = createInflate();
  else {
    done(GraphError.unsupportedMediaType(
      `The Content-Encoding '${encoding}' is not supported; send gzip, deflate or an uncompressed body.`));
    return;
  }
  // Fastify checks Content-Length against the bytes received on the wire, not the decompressed ones.
  const counted = decoder as Transform & { receivedEncodedLength: number };
  counted.receivedEncodedLength = 0;
  payload.on('data', (chunk: Buffer) => { counted.receivedEncodedLength += chunk.length; });
  payload.on('error', (err) => decoder.destroy(err));
  // A body that is refused before it is read (an unsupported Content-Type) still flows into the decoder, and
  // bytes that are not gzip make it emit an error nobody reads: unhandled, that would end the process. When the
  // body is read, the parser's own listener reports the error as a 400.
  decoder.on('error', () => {});
  done(null, payload.pipe(decoder));
};
