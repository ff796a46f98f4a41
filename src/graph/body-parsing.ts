import { createGunzip, createInflate } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import type { Transform } from 'node:stream';
import { GraphError } from './errors.js';

/**
 * Request bodies: JSON only (415 otherwise), optionally gzip- or deflate-compressed (the kiota Graph SDK
 * compresses). The body limit applies to the decompressed bytes, so a small zip bomb is still a 413.
 */
export function registerBodyParsing(app: FastifyInstance): void {
  app.addHook('preParsing', async (request, _reply, payload) => {
    const encoding = (request.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity') return payload;
    let decoder: Transform;
    if (encoding === 'gzip' || encoding === 'x-gzip') decoder = createGunzip();
    else if (encoding === 'deflate') decoder = createInflate();
    else {
      throw GraphError.unsupportedMediaType(
        `The Content-Encoding '${encoding}' is not supported; send gzip, deflate or an uncompressed body.`);
    }
    // Fastify checks Content-Length against the bytes received on the wire, not the decompressed ones.
    const counted = decoder as Transform & { receivedEncodedLength: number };
    counted.receivedEncodedLength = 0;
    payload.on('data', (chunk: Buffer) => { counted.receivedEncodedLength += chunk.length; });
    payload.on('error', (err) => decoder.destroy(err));
    return payload.pipe(decoder);
  });

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
