import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { certificateEntity } from '../model/certificate.js';
import { parseEntityQuery } from '../odata/query-options.js';
import type { CertificateService, CertificateView } from '../service/certificate-service.js';
import { canonicalCertificateKey } from '../service/keys.js';
import { countFilterOf, listQueryOf, sendCount, sendList } from './collection.js';
import { formatEntity, type FormatOptions } from './entity-format.js';
import { GraphError } from './errors.js';
import { exportContext } from './export-reason.js';
import { apiBase, rawQuery, sendEntity } from './odata-response.js';
import { canExport, requirePermission } from './permissions.js';
import { resource } from './resource.js';
import { context } from './request-context.js';

const SET_PATH = certificateEntity.setPath;

export function registerCertificateRoutes(app: FastifyInstance, options: { service: CertificateService; publicUrl?: string }): void {
  const { service, publicUrl } = options;
  const base = (request: FastifyRequest) => apiBase(request, publicUrl);
  const entityUrl = (request: FastifyRequest, id: string) => `${base(request)}/${SET_PATH}/${id}`;
  const set = { setPath: SET_PATH, publicUrl };

  const create = async (request: FastifyRequest, reply: FastifyReply) => {
    requirePermission(request.principal, 'writeCertificates');
    const view = await service.create(context(request), request.body);
    return sendEntity(request, reply.header('location', entityUrl(request, view.row.id)), 201, set, certificateEntity, view.row, formatOptions(view));
  };

  resource(app, `/${SET_PATH}`, {
    GET: async (request, reply) => {
      requirePermission(request.principal, 'readCertificates');
      const ctx = exportContext(request);
      const query = listQueryOf(request, certificateEntity);
      const { page, views } = await service.list(ctx, query, exports(request, query.select));
      return sendList(request, reply, set, query, page, views.map((v) => present(v, query.select)));
    },
    POST: create,
  });

  resource(app, `/${SET_PATH}/$ref`, {
    POST: async (request, reply) => {
      const body = request.body as Record<string, unknown> | undefined;
      // `{"@odata.id": url}` asks whether that certificate exists; any other body is a create (CONTRACT §4.2).
      if (body && typeof body === 'object' && Object.keys(body).length === 1 && '@odata.id' in body) {
        requirePermission(request.principal, 'readCertificates');
        const id = referencedId(body['@odata.id']);
        if (!(await service.exists(context(request), id))) throw GraphError.notFound(`No userPfxCertificate with id '${id}' exists.`);
        return reply.code(204).send();
      }
      return create(request, reply);
    },
  });

  resource(app, `/${SET_PATH}/$count`, {
    GET: async (request, reply) => {
      requirePermission(request.principal, 'readCertificates');
      return sendCount(reply, await service.count(context(request), countFilterOf(request, certificateEntity)));
    },
  });

  resource(app, `/${SET_PATH}/:key`, {
    // Not async: a certificate the store holds in memory is answered without a promise (service.peek). Measured
    // with bench/service.js --only get, five alternating runs against an async handler that always awaits
    // service.get: GET ratio 0.74 vs 0.69 (medians), CPU per GET 1.59× vs 1.84× the bare server's. Worth it.
    GET: (request, reply) => {
      requirePermission(request.principal, 'readCertificates');
      const ctx = exportContext(request);
      const { select } = parseEntityQuery(rawQuery(request), certificateEntity);
      const id = keyOf(request);
      const withSecrets = exports(request, select);
      const send = (view: CertificateView) => sendEntity(request, reply, 200, set, certificateEntity, view.row, formatOptions(view, select));
      const inMemory = withSecrets ? undefined : service.peek(ctx, id);
      if (!inMemory) return service.get(ctx, id, withSecrets).then(send);
      send(inMemory);
      return undefined; // sent already: Fastify would send a returned reply a second time
    },
    PATCH: async (request, reply) => {
      requirePermission(request.principal, 'writeCertificates');
      await service.update(context(request), keyOf(request), request.body);
      return reply.code(204).send();
    },
    DELETE: async (request, reply) => {
      requirePermission(request.principal, 'writeCertificates');
      await service.delete(context(request), keyOf(request));
      return reply.code(204).send();
    },
  });
}

/**
 * Whether this answer carries secrets: for a caller with the export role, unless its `$select` leaves them out. An
 * answer without them exports nothing, so it neither decrypts them nor writes an Export audit event (`pfxstore
 * keys` selects four public properties of every record).
 */
function exports(request: FastifyRequest, select: FormatOptions['select']): boolean {
  return canExport(request.principal) && (select === undefined || select.some((p) => p.secret));
}

function present(view: CertificateView, select?: FormatOptions['select']): Record<string, unknown> {
  return formatEntity(certificateEntity, view.row, formatOptions(view, select));
}

function formatOptions(view: CertificateView, select?: FormatOptions['select']): FormatOptions {
  return { select, secrets: view.secrets, withType: true };
}

function keyOf(request: FastifyRequest): string {
  // Fastify has already percent-decoded the parameter.
  return canonicalCertificateKey((request.params as { key: string }).key);
}

/** The id at the end of an `@odata.id` URL (absolute or relative, either key syntax). */
function referencedId(value: unknown): string {
  if (typeof value !== 'string') throw GraphError.badRequest("'@odata.id' must be the URL of a userPfxCertificate.");
  const match = /userPfxCertificates(?:\/|\((?:'|%27)?)([^/?')%]+)/i.exec(value);
  if (!match) throw GraphError.badRequest(`'@odata.id' must be the URL of a userPfxCertificate, not '${value.slice(0, 200)}'.`);
  return canonicalCertificateKey(match[1]);
}
