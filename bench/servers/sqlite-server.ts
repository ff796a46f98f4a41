import Database from 'better-sqlite3';
import { createServer } from 'node:http';

/**
 * Reference floor for a durable service: bare node:http + better-sqlite3 in WAL mode with synchronous=FULL,
 * one INSERT per POST, answering 201 only after the commit.
 */
const db = new Database(process.argv[2]);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = full');
db.exec('CREATE TABLE IF NOT EXISTS certs (id TEXT PRIMARY KEY, body TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO certs (id, body) VALUES (?, ?)');

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      const entity = JSON.parse(Buffer.concat(chunks).toString());
      insert.run(entity.thumbprint, JSON.stringify(entity));
      res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(entity));
    } catch {
      res.writeHead(400).end();
    }
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
