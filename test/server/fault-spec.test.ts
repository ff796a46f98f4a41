import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FaultDice } from '../../src/server/fault-dice.js';
import { parseFaultSpec } from '../../src/server/fault-spec.js';
import { parseServeConfig } from '../../src/server/config.js';
import { UsageError } from '../../src/util/usage-error.js';
import { mulberry32 } from '../../src/util/prng.js';

const ISSUE_EXAMPLE = 'rate=0.2;status=429,503,504;latency=50-300ms;methods=POST,PATCH;paths=userPfxCertificates;after-commit=0.1';

describe('parseFaultSpec', () => {
  test("reads the issue's example, with defaults for what it leaves out", () => {
    const rules = parseFaultSpec(ISSUE_EXAMPLE);
    assert.equal(rules.rate, 0.2);
    assert.deepEqual(rules.statuses, [429, 503, 504]);
    assert.deepEqual(rules.latency, { minMs: 50, maxMs: 300 });
    assert.deepEqual(rules.methods, ['POST', 'PATCH']);
    assert.deepEqual(rules.paths, ['userpfxcertificates']);
    assert.equal(rules.afterCommit, 0.1);
    assert.equal(rules.drop, 0);
    assert.equal(rules.retryAfterSeconds, 1);
    assert.equal(rules.text, 'rate=0.2;status=429,503,504;latency=50-300ms;after-commit=0.1;retry-after=1;methods=POST,PATCH;paths=userpfxcertificates');
  });

  test('defaults: status 429,503; keys and methods in any case; spaces and an empty piece are fine', () => {
    const rules = parseFaultSpec(' RATE = 0.5 ; methods=post,Delete ;');
    assert.deepEqual(rules.statuses, [429, 503]);
    assert.deepEqual(rules.methods, ['POST', 'DELETE']);
    assert.equal(rules.latency, undefined);
    assert.equal(rules.paths, undefined);
  });

  test('latency forms: a range, one time, seconds, fractions, a unit on each bound', () => {
    const ms = (text: string) => parseFaultSpec(`latency=${text}`).latency;
    assert.deepEqual(ms('50-300ms'), { minMs: 50, maxMs: 300 });
    assert.deepEqual(ms('1s'), { minMs: 1000, maxMs: 1000 });
    assert.deepEqual(ms('0-2s'), { minMs: 0, maxMs: 2000 });
    assert.deepEqual(ms('500ms-1.5s'), { minMs: 500, maxMs: 1500 });
    assert.deepEqual(ms('0.25s'), { minMs: 250, maxMs: 250 });
  });

  test('the canonical text parses back to the same rules', () => {
    for (const spec of [ISSUE_EXAMPLE, 'drop=0.05', 'latency=1s', 'rate=1;status=503;retry-after=0', 'after-commit=0.5;drop=0.5;paths=users,$batch']) {
      const rules = parseFaultSpec(spec);
      assert.deepEqual(parseFaultSpec(rules.text), rules, spec);
    }
  });

  const refusals: [string, string][] = [
    ['', "--faults: the spec is empty; give at least one of rate, latency, after-commit or drop, e.g. 'rate=0.1'"],
    [' ; ', "--faults: the spec is empty; give at least one of rate, latency, after-commit or drop, e.g. 'rate=0.1'"],
    ['rate=2', "--faults: rate must be a number from 0 to 1, not '2'"],
    ['rate=-0.1', "--faults: rate must be a number from 0 to 1, not '-0.1'"],
    ['rate=lots', "--faults: rate must be a number from 0 to 1, not 'lots'"],
    ['after-commit=1.5', "--faults: after-commit must be a number from 0 to 1, not '1.5'"],
    ['drop=x', "--faults: drop must be a number from 0 to 1, not 'x'"],
    ['after-commit=0.6;drop=0.5', '--faults: after-commit and drop are shares of the same writes: together at most 1, not 1.1'],
    ['rate', "--faults: 'rate' is not key=value (e.g. rate=0.1)"],
    ['rate=', '--faults: rate has no value'],
    ['rate=0.1;rate=0.2', '--faults: rate is given twice'],
    ['speed=3', "--faults: unknown key 'speed'; the keys are rate, status, retry-after, latency, after-commit, drop, methods, paths"],
    ['rate=0.1;status=302', "--faults: status must be HTTP error statuses from 400 to 599, comma-separated, not '302'"],
    ['rate=0.1;status=600', "--faults: status must be HTTP error statuses from 400 to 599, comma-separated, not '600'"],
    ['rate=0.1;status=429,', "--faults: status must be HTTP error statuses from 400 to 599, comma-separated, not ''"],
    ['rate=0.1;status=418', '--faults: status 418 is not one pfxstore answers with (it would have no Graph error code); ' +
      'use 400, 401, 403, 404, 405, 408, 409, 413, 415, 417, 424, 429, 431, 500, 502, 503, 504'],
    ['status=503', '--faults: status is given but rate is 0: say which share of requests answers it, e.g. rate=0.1'],
    ['rate=0.1;retry-after=1.5', "--faults: retry-after must be whole seconds from 0 to 120, not '1.5'"],
    ['rate=0.1;retry-after=600', "--faults: retry-after must be whole seconds from 0 to 120, not '600'"],
    ['latency=50-300', "--faults: latency needs a unit (ms or s), as in 50-300ms, not '50-300'"],
    ['latency=300-50ms', "--faults: latency runs backwards ('300-50ms'): write the shorter time first"],
    ['latency=2s-1s', "--faults: latency runs backwards ('2s-1s'): write the shorter time first"],
    ['latency=90s', "--faults: latency must be at most 60s, not '90s'"],
    ['latency=fast', "--faults: latency must be a time or a range of times, as in 50-300ms, 1s or 0-2s, not 'fast'"],
    ['rate=0.1;methods=POST,FETCH', "--faults: methods must be HTTP methods (GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS), comma-separated, not 'FETCH'"],
    ['rate=0.1;paths=users,', "--faults: paths has an empty entry ('users,'); give path parts such as userPfxCertificates,users"],
    ['methods=POST', "--faults: 'methods=POST' injects nothing; give rate, latency, after-commit or drop"],
    ['rate=0;after-commit=0', "--faults: 'rate=0;after-commit=0' injects nothing; give rate, latency, after-commit or drop"],
  ];
  for (const [spec, message] of refusals) {
    test(`refuses '${spec}'`, () => {
      assert.throws(() => parseFaultSpec(spec), (err: Error) => {
        assert.ok(err instanceof UsageError, String(err));
        assert.equal(err.message, message);
        return true;
      });
    });
  }
});

describe('serve --faults and --faults-seed', () => {
  test('parsed into the config, also from PFXSTORE_FAULTS and PFXSTORE_FAULTS_SEED', () => {
    const flags = parseServeConfig(['--faults', 'rate=0.3', '--faults-seed', '42'], {});
    assert.equal(flags.faults?.rate, 0.3);
    assert.equal(flags.faultsSeed, 42);
    const env = parseServeConfig([], { PFXSTORE_FAULTS: 'drop=0.1', PFXSTORE_FAULTS_SEED: '7' });
    assert.equal(env.faults?.drop, 0.1);
    assert.equal(env.faultsSeed, 7);
    assert.equal(parseServeConfig([], {}).faults, undefined);
  });

  test('without --faults-seed a seed is picked, so every run with faults has one to print', () => {
    const seed = parseServeConfig(['--faults', 'rate=0.3'], {}).faultsSeed;
    assert.ok(Number.isInteger(seed) && seed! >= 0 && seed! <= 0xffffffff, String(seed));
  });

  test('bad seeds, a seed without faults and a bad spec are usage errors', () => {
    assert.throws(() => parseServeConfig(['--faults', 'rate=0.3', '--faults-seed=-1'], {}),
      { name: 'UsageError', message: "--faults-seed must be an integer from 0 to 4294967295, not '-1'." });
    assert.throws(() => parseServeConfig(['--faults', 'rate=0.3', '--faults-seed=4294967296'], {}),
      { name: 'UsageError', message: "--faults-seed must be an integer from 0 to 4294967295, not '4294967296'." });
    assert.throws(() => parseServeConfig(['--faults-seed', '3'], {}), { name: 'UsageError', message: '--faults-seed goes with --faults.' });
    assert.throws(() => parseServeConfig(['--faults', 'rate=3'], {}), { name: 'UsageError', message: "--faults: rate must be a number from 0 to 1, not '3'" });
  });
});

describe('FaultDice', () => {
  const requests = Array.from({ length: 200 }, (_, i) => [['GET', 'POST', 'PATCH', 'DELETE'][i % 4]!, `/beta/users/${i}`] as const);
  const plans = (spec: string, seed: number) => {
    const dice = new FaultDice(parseFaultSpec(spec), seed);
    return requests.map(([method, url]) => dice.plan(method, url));
  };

  test('the same seed and the same requests give the same faults; another seed others', () => {
    const spec = 'rate=0.3;status=429,503,504;latency=0-100ms;after-commit=0.2;drop=0.1';
    assert.deepEqual(plans(spec, 1234), plans(spec, 1234));
    assert.notDeepEqual(plans(spec, 1234), plans(spec, 1235));
  });

  test('shares come out near the rates; after-commit and drop only for writes without an injected status', () => {
    const all = plans('rate=0.25;status=429,503,504;after-commit=0.3;drop=0.2', 99);
    const statuses = all.filter((p) => p?.status !== undefined);
    assert.ok(statuses.length > 30 && statuses.length < 70, String(statuses.length));
    assert.deepEqual(new Set(statuses.map((p) => p!.status)), new Set([429, 503, 504]));
    const committed = all.map((p, i) => [p, requests[i]![0]] as const).filter(([p]) => p?.afterCommit !== undefined);
    assert.ok(committed.every(([p, method]) => method !== 'GET' && p!.status === undefined));
    assert.ok(committed.some(([p]) => p!.afterCommit === 'answer') && committed.some(([p]) => p!.afterCommit === 'drop'));
  });

  test('latency stays in its range', () => {
    const delays = plans('latency=50-60ms', 5).map((p) => p!.delayMs);
    assert.ok(delays.every((d) => d >= 50 && d <= 60));
    assert.ok(new Set(delays).size > 5);
  });

  test('only API paths match, then methods and paths (any case, escapes decoded); each match takes the same draws', () => {
    const dice = new FaultDice(parseFaultSpec('rate=1;methods=POST;paths=userPfxCertificates,$batch'), 1);
    assert.equal(dice.plan('POST', '/metrics'), undefined);
    assert.equal(dice.plan('POST', '/healthz'), undefined);
    assert.equal(dice.plan('POST', '/0b2e6f0e-7a4c-4a36-9d52-0c4d16e0d1aa/oauth2/v2.0/token'), undefined);
    assert.equal(dice.plan('POST', '/betaish/deviceManagement/userPfxCertificates'), undefined);
    assert.equal(dice.plan('GET', '/beta/deviceManagement/userPfxCertificates'), undefined);
    assert.equal(dice.plan('POST', '/beta/users'), undefined);
    assert.ok(dice.plan('POST', '/beta/deviceManagement/USERPFXCERTIFICATES?x=1'));
    assert.ok(dice.plan('POST', '/v1.0/%24batch'));
    assert.ok(dice.plan('POST', '/localtest/deviceManagement/userPfxCertificates/abc'));
  });

  test('mulberry32 is the published generator (first outputs of seed 1)', () => {
    const next = mulberry32(1);
    assert.deepEqual([next(), next(), next()].map((x) => Math.round(x * 2 ** 32)), [2693262067, 11749833, 2265367787]);
  });
});
