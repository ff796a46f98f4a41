import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

/**
 * Reference ceiling: a bare node:http server holding the same JSON entities in a Map. No auth, no validation,
 * no store — the fastest any Node service could answer GET-by-id, or create (POST: parse, give an id, keep,
 * answer the entity).
 */
const entities = new Map<string, string>();
const COLLECTION = '/beta/deviceManagement/userPfxCertificates';
const PREFIX = `${COLLECTION}/`;

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === COLLECTION) {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const entity = { id: randomUUID(), ...JSON.parse(Buffer.concat(chunks).toString()), createdDateTime: new Date().toISOString() };
      const body = JSON.stringify(entity);
      entities.set(entity.id, body);
      res.writeHead(201, { 'content-type': 'application/json', location: `${PREFIX}${entity.id}` }).end(body);
    });
    return;
  }
  if (req.method === 'PUT' && req.url?.startsWith(PREFIX)) {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      entities.set(req.url!.slice(PREFIX.length), Buffer.concat(chunks).toString());
      res.writeHead(204).end();
    });
    return;
  }
  const body = req.url?.startsWith(PREFIX) ? entities.get(req.url.slice(PREFIX.length)) : undefined;
  if (body === undefined) {
    res.writeHead(404).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json' }).end(body);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
