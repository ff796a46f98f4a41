import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody, type GraphError } from './errors.js';

/** The headers every answer carries (CONTRACT §3): a fresh request-id, the client's correlation id, OData 4.0. */
export function setGraphHeaders(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return reply.header('request-id', request.id).header('client-request-id', clientRequestId(request)).header('odata-version', '4.0');
}

/** A Graph error body with its status and extra headers (Allow, Retry-After, WWW-Authenticate). */
export function sendError(request: FastifyRequest, reply: FastifyReply, err: GraphError): FastifyReply {
  return reply.code(err.statusCode)
    .headers(err.headers)
    .header('content-type', 'application/json')
    .send(JSON.stringify(errorBody(err, request.id, clientRequestId(request))));
}

/** The client's own correlation id when it sent a usable one, else the request-id. */
export function clientRequestId(request: { id: string; headers: FastifyRequest['headers'] }): string {
  const sent = request.headers['client-request-id'];
  return typeof sent === 'string' && sent.length > 0 && sent.length <= 200 ? sent : request.id;
}
