import { createServer } from 'node:http';
const { startPfxstore } = await import('pfxstore/testing');
const s0 = await startPfxstore({ http: true }); await s0.stop();
async function bare() {
  const t0 = performance.now();
  const server = createServer((_q, r) => r.end('{"value":[]}'));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  await (await fetch(`http://127.0.0.1:${server.address().port}/x`)).text();
  const ms = performance.now() - t0; server.closeAllConnections(); await new Promise((r) => server.close(r)); return ms;
}
await bare();
for (let i = 0; i < 8; i++) {
  await new Promise((r) => setTimeout(r, 300));
  const b = await bare();
  await new Promise((r) => setTimeout(r, 300));
  const t0 = performance.now();
  const s = await startPfxstore({ http: true });
  const t1 = performance.now();
  const tok = await s.token();
  const t2 = performance.now();
  const r = await fetch(`${s.url}/deviceManagement/userPfxCertificates`, { headers: { authorization: `Bearer ${tok}` } });
  await r.json();
  const t3 = performance.now();
  console.log('bare', b.toFixed(1), 'start', (t1 - t0).toFixed(1), 'token', (t2 - t1).toFixed(1), 'first', (t3 - t2).toFixed(1));
  await s.stop();
}
