import { Transform, type Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, preParsingHookHandler } from 'fastify';
import { batchOrigin } from '../graph/batch-origin.js';
import { packageVersion } from '../util/package-version.js';
import { harEntry } from './har-entry.js';
import { HarFile } from './har-file.js';

/** What is kept of a request between its hooks. */
interface Capture {
  readonly startedMs: number;
  chunks: Buffer[];
  bodyReadMs?: number;
  sentMs?: number;
  payload?: string | Buffer;
}

const recordings = new WeakMap<FastifyInstance, HarFile>();

/**
 * `serve --record FILE`: every request the server answers and its response, as HAR 1.2 entries in FILE (har-file.ts),
 * credentials and secret fields redacted (har-redact.ts). Installed by buildApp only when the flag is set: without
 * it no hook runs at all. Must be called before the routes are registered (it hooks into each as it is added).
 * The requests a `$batch` runs inside the server are not recorded on their own: the batch's entry holds them.
 */
export async function installRecorder(app: FastifyInstance, options: { path: string; bodyLimitBytes: number }): Promise<void> {
  const { path, bodyLimitBytes: bodyLimit } = options;
  const file = await HarFile.create(path, { name: 'pfxstore', version: packageVersion() },
    (err) => app.log.error({ err }, `recording to ${path} stopped: a write failed`));
  recordings.set(app, file);
  const captures = new WeakMap<FastifyRequest, Capture>();

  const arrive: onRequestHookHandler = (request, _reply, done) => {
    captures.set(request, { startedMs: Date.now(), chunks: [] });
    done();
  };
  app.addHook('onRequest', arrive);
  // The tee goes last among each route's preParsing hooks, so that it sees the body gzip-decoded (decodeBody).
  app.addHook('onRoute', (route) => {
    const own = route.preParsing ?? [];
    route.preParsing = [...(Array.isArray(own) ? own : [own]), teeBody(captures, bodyLimit)];
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const capture = captures.get(request);
    if (capture) {
      capture.sentMs = reply.elapsedTime;
      // No payload is an empty body (a 204); a stream (none of this API's answers) is left out.
      if (payload === null || payload === undefined) capture.payload = '';
      else if (typeof payload === 'string' || Buffer.isBuffer(payload)) capture.payload = payload;
    }
    done(null, payload);
  });
  app.addHook('onResponse', (request, reply, done) => {
    const capture = captures.get(request);
    if (capture && batchOrigin(request.headers) === undefined) file.append(harEntry(exchange(request, reply, capture)));
    done();
  });
  app.addHook('onClose', async () => file.close());
}

/** Completes the recording (everything answered so far written, the file closed); nothing when not recording. */
export async function closeRecording(app: FastifyInstance): Promise<void> {
  await recordings.get(app)?.close();
}

function teeBody(captures: WeakMap<FastifyRequest, Capture>, bodyLimit: number): preParsingHookHandler {
  return (request, reply, payload, done) => {
    const capture = captures.get(request);
    const headers = request.headers;
    if (!capture || (headers['transfer-encoding'] === undefined && !(Number(headers['content-length']) > 0))) {
      done(null, payload);
      return;
    }
    // Fastify reads the body from what this returns; the copy is what the recording shows. Past the body limit
    // Fastify answers 413 and stops reading: what it read is kept, no more.
    let kept = 0;
    const tee = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        if (kept < bodyLimit) capture.chunks.push(chunk);
        kept += chunk.length;
        callback(null, chunk);
      },
      flush(callback) {
        capture.bodyReadMs = reply.elapsedTime;
        callback();
      },
    });
    // The body limit and Content-Length checks count the bytes on the wire, which decodeBody counts for a
    // compressed body; without it Fastify counts what it reads, which is the same as what passes through here.
    const upstream = payload as Readable & { receivedEncodedLength?: number };
    if (upstream.receivedEncodedLength !== undefined) {
      Object.defineProperty(tee, 'receivedEncodedLength', { get: () => upstream.receivedEncodedLength });
    }
    upstream.on('error', (err) => tee.destroy(err));
    // A body refused before it is read still flows; an error nobody listens to would end the process.
    tee.on('error', () => {});
    done(null, upstream.pipe(tee));
  };
}

function exchange(request: FastifyRequest, reply: FastifyReply, capture: Capture) {
  return {
    startedMs: capture.startedMs,
    bodyReadMs: capture.bodyReadMs,
    sentMs: capture.sentMs,
    doneMs: reply.elapsedTime,
    method: request.method,
    origin: `${request.protocol}://${request.headers.host ?? request.hostname}`,
    path: request.originalUrl,
    httpVersion: `HTTP/${request.raw.httpVersion}`,
    rawHeaders: request.raw.rawHeaders,
    body: capture.chunks.length > 0 ? Buffer.concat(capture.chunks) : undefined,
    status: reply.statusCode,
    // Fastify hands its headers to writeHead at once, so the ServerResponse itself holds none of them.
    responseHeaders: reply.getHeaders(),
    payload: capture.payload,
    requestId: String(request.id),
  };
}
