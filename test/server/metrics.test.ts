import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Metrics } from '../../src/server/metrics.js';

/** Sample lines of the text exposition format: `name{labels} value`. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('Metrics', () => {
  test('counts requests by route, method and status, and latencies in cumulative buckets', async () => {
    const metrics = new Metrics();
    const route = '/beta/deviceManagement/userPfxCertificates/:key';
    metrics.observe(route, 'GET', 200, 0.4);
    metrics.observe(route, 'GET', 200, 3);
    metrics.observe(route, 'GET', 404, 30);
    metrics.observe(route, 'DELETE', 204, 5000);
    const text = await metrics.text();
    const s = samples(text);
    const get = `route="${route}",method="GET"`;
    assert.equal(s.get(`pfxstore_http_requests_total{${get},status="200"}`), 2);
    assert.equal(s.get(`pfxstore_http_requests_total{${get},status="404"}`), 1);
    assert.equal(s.get(`pfxstore_http_request_duration_seconds_bucket{${get},le="0.001"}`), 1);
    assert.equal(s.get(`pfxstore_http_request_duration_seconds_bucket{${get},le="0.005"}`), 2);
    assert.equal(s.get(`pfxstore_http_request_duration_seconds_bucket{${get},le="0.05"}`), 3);
    assert.equal(s.get(`pfxstore_http_request_duration_seconds_bucket{${get},le="+Inf"}`), 3);
    assert.equal(s.get(`pfxstore_http_request_duration_seconds_count{${get}}`), 3);
    assert.ok(Math.abs(s.get(`pfxstore_http_request_duration_seconds_sum{${get}}`)! - 0.0334) < 1e-9);
    const del = `route="${route}",method="DELETE"`;
    assert.equal(s.get(`pfxstore_http_request_duration_seconds_bucket{${del},le="2.5"}`), 0, 'over the last bound');
    assert.equal(s.get(`pfxstore_http_request_duration_seconds_bucket{${del},le="+Inf"}`), 1);
    assert.match(text, /^# TYPE pfxstore_http_request_duration_seconds histogram$/m);
    assert.match(text, /^# TYPE pfxstore_http_requests_total counter$/m);
    assert.match(text, /^pfxstore_process_cpu_seconds_total /m, 'the process defaults are still there');
  });

  test('label values are escaped', async () => {
    const metrics = new Metrics();
    metrics.observe('/a"b\\c', 'GET', 200, 1);
    assert.match(await metrics.text(), /route="\/a\\"b\\\\c"/);
  });
});
