import { createServer, type ServerResponse } from 'node:http';
import pg from 'pg';

/**
 * Reference for bench/postgres.ts: bare node:http + pg on the same tables pfxstore migrated, one single-row
 * INSERT per POST (answering 201 after the commit) and one SELECT by primary key per GET. No auth, no
 * validation, no encryption, no audit, no owner lookup: what pfxstore's work is measured against.
 *
 *   node dist/bench/servers/pg-server.js <postgres url> <schema> <tenant id> <owner user id> <owner upn>
 */
const [url, schema, tenantId, userId, upn] = process.argv.slice(2);
const PREFIX = '/beta/deviceManagement/userPfxCertificates';
/** The enum members the bench sends, stored as pfxstore stores them (INTEGER). */
const PURPOSE: Record<string, number> = { unassigned: 0, smimeEncryption: 1, smimeSigning: 2, vpn: 4, wifi: 8 };
const PADDING: Record<string, number> = { none: 0, pkcs1: 1, oaepSha1: 2, oaepSha256: 3, oaepSha384: 4, oaepSha512: 5 };

// pfxstore's default pool size, so both sides get the same number of connections.
const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c search_path=${schema}` });
pool.on('error', () => undefined);

const insert = {
  name: 'ref_insert',
  text: `INSERT INTO user_pfx_certificates (tenant_id, id, user_id, thumbprint, intended_purpose, user_principal_name, upn_lower,
    start_date_time, expiration_date_time, provider_name, key_name, padding_scheme, created_date_time, last_modified_date_time,
    encrypted_pfx_blob, encrypted_pfx_password) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15)`,
};
const select = {
  name: 'ref_select',
  text: `SELECT id, thumbprint, intended_purpose, user_principal_name, start_date_time, expiration_date_time, provider_name,
    key_name, padding_scheme, created_date_time, last_modified_date_time FROM user_pfx_certificates WHERE tenant_id = $1 AND id = $2`,
};

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) res.writeHead(status).end();
  else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

async function create(body: Buffer, res: ServerResponse): Promise<void> {
  const e = JSON.parse(body.toString()) as Record<string, string>;
  const thumbprint = e.thumbprint.toLowerCase();
  const id = `${userId.replace(/-/g, '')}-${thumbprint}`;
  const now = new Date().toISOString();
  try {
    await pool.query({
      ...insert,
      values: [tenantId, id, userId, thumbprint, PURPOSE[e.intendedPurpose] ?? 0, upn, upn.toLowerCase(),
        e.startDateTime, e.expirationDateTime, e.providerName, e.keyName, PADDING[e.paddingScheme] ?? 5, now,
        Buffer.from(e.encryptedPfxBlob, 'base64'), Buffer.from(e.encryptedPfxPassword, 'utf8')],
    });
  } catch (err) {
    return send(res, (err as { code?: string }).code === '23505' ? 409 : 500);
  }
  send(res, 201, { ...e, id, createdDateTime: now, lastModifiedDateTime: now });
}

async function read(id: string, res: ServerResponse): Promise<void> {
  const { rows } = await pool.query({ ...select, values: [tenantId, decodeURIComponent(id)] });
  if (rows.length === 0) return send(res, 404);
  const r = rows[0];
  send(res, 200, {
    id: r.id, thumbprint: r.thumbprint, intendedPurpose: r.intended_purpose, userPrincipalName: r.user_principal_name,
    startDateTime: r.start_date_time, expirationDateTime: r.expiration_date_time, providerName: r.provider_name,
    keyName: r.key_name, paddingScheme: r.padding_scheme, createdDateTime: r.created_date_time,
    lastModifiedDateTime: r.last_modified_date_time, encryptedPfxBlob: null, encryptedPfxPassword: null,
  });
}

const server = createServer((req, res) => {
  const path = req.url?.split('?')[0] ?? '';
  if (req.method === 'POST' && path === PREFIX) {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => create(Buffer.concat(chunks), res).catch(() => send(res, 500)));
    return;
  }
  if (req.method === 'GET' && path.startsWith(`${PREFIX}/`)) {
    read(path.slice(PREFIX.length + 1), res).catch(() => send(res, 500));
    return;
  }
  send(res, 404);
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => {
  setTimeout(() => process.exit(0), 2000).unref(); // a client that keeps its connection open must not hold us
  server.close(() => pool.end().finally(() => process.exit(0)));
});
