import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { certificateEntity } from '../../src/model/certificate.js';
import { ValidationError } from '../../src/model/errors.js';
import { userEntity } from '../../src/model/user.js';
import { formatBoundFilter } from '../../src/odata/filter-format.js';
import type { ListQuery } from '../../src/odata/list-query.js';
import { parseCountQuery, parseEntityQuery, parseListQuery } from '../../src/odata/query-options.js';
import { nextLinkQuery, splitQuery } from '../../src/odata/query-string.js';
import { encodeSkipToken } from '../../src/odata/skiptoken.js';

const list = (raw: string): ListQuery => parseListQuery(raw, certificateEntity);
const filterOf = (raw: string): string => formatBoundFilter(list(raw).filter!);
const refused = (fn: () => unknown, pattern: RegExp): void => {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
};

describe('query options: reading the raw query string', () => {
  it('defaults', () => {
    assert.deepEqual(list(''), { filter: undefined, orderBy: [], top: 1000, skip: 0, count: false, select: undefined, after: undefined });
    assert.equal(parseListQuery('', certificateEntity, { defaultTop: 100 }).top, 100);
  });

  it('takes values exactly as the Graph JS client sends them (un-encoded quotes, parentheses, commas, spaces)', () => {
    assert.equal(filterOf("$filter=tolower(userPrincipalName) eq 'A@contoso.com' and tolower(thumbprint) eq 'AB12'"),
      "(and (eq userPrincipalName 'a@contoso.com') (eq thumbprint 'ab12'))");
  });

  it('decodes percent-encoding and + as a space', () => {
    assert.equal(filterOf('%24filter=userPrincipalName%20eq%20%27a%40contoso.com%27'), "(eq userPrincipalName 'a@contoso.com')");
    assert.equal(filterOf("$filter=keyName+eq+'a+b%2Bc'"), "(eq keyName 'a b+c')");
    assert.equal(filterOf("$filter=keyName eq 'caf%C3%A9'"), "(eq keyName 'café')");
    assert.equal(filterOf('$filter=expirationDateTime lt 2027-01-01T02:00:00+02:00'), "(lt expirationDateTime '2027-01-01T00:00:00.0000000Z')");
  });

  it("keeps a '%' that starts no escape", () => {
    assert.equal(filterOf("$filter=contains(keyName,'100%')"), "(contains keyName '100%')");
  });

  it('refuses percent-escapes that are not UTF-8', () => {
    refused(() => list("$filter=keyName eq '%FF'"), /The query string contains '%FF', which is not percent-encoded UTF-8\./);
  });

  it("an un-encoded '&' inside a $filter string literal stays in the literal", () => {
    const q = list("$filter=keyName eq 'A&B' or keyName eq 'C&D&E'&$top=5");
    assert.equal(formatBoundFilter(q.filter!), "(or (eq keyName 'A&B') (eq keyName 'C&D&E'))");
    assert.equal(q.top, 5);
  });

  it('balances encoded quotes too, and stays linear on many & pieces', () => {
    assert.equal(filterOf('$filter=keyName eq %27A&B%27'), "(eq keyName 'A&B')");
    const started = Date.now();
    refused(() => list(`$filter=keyName eq 'x${'&y'.repeat(8000)}`), /unterminated string literal/);
    assert.ok(Date.now() - started < 500);
  });

  it('the $ prefix is optional and names are case-insensitive', () => {
    const q = list("filter=keyName eq 'k'&TOP=3&$OrderBy=keyName desc&Count=TRUE&$SELECT=id,thumbprint&skip=2");
    assert.equal(formatBoundFilter(q.filter!), "(eq keyName 'k')");
    assert.equal(q.top, 3);
    assert.equal(q.skip, 2);
    assert.equal(q.count, true);
    assert.deepEqual(q.orderBy.map((k) => [k.property.name, k.direction]), [['keyName', 'desc']]);
    assert.deepEqual(q.select?.map((p) => p.name), ['id', 'thumbprint']);
  });

  it('accepts a leading ? and empty parts, ignores unknown options without $', () => {
    const q = list('?&$top=7&&api-version=2&foo');
    assert.equal(q.top, 7);
  });

  it('accepts $format=json', () => {
    assert.equal(list('$format=json').top, 1000);
    refused(() => list('$format=xml'), /Query option '\$format' must be 'json'; found 'xml'\./);
  });

  it('splitQuery reports names as written and system names normalised', () => {
    assert.deepEqual(splitQuery('%24Filter=a&x=1'), [
      { written: '$Filter', system: 'filter', value: 'a' },
      { written: 'x', value: '1' },
    ]);
  });
});

describe('query options: values', () => {
  it('$top is 1 to 1000', () => {
    assert.equal(list('$top=1').top, 1);
    assert.equal(list('$top=1000').top, 1000);
    for (const bad of ['0', '1001', '-1', 'ten', '1.5', '', '99999999999999999999']) {
      refused(() => list(`$top=${bad}`), /^Invalid \$top: expected an integer from 1 to 1000, found '.*'\.$/);
    }
    refused(() => parseListQuery('$top=60', certificateEntity, { maxTop: 50 }), /from 1 to 50/);
  });

  it('$skip is a non-negative integer', () => {
    assert.equal(list('$skip=0').skip, 0);
    assert.equal(list('$skip=25').skip, 25);
    refused(() => list('$skip=-1'), /^Invalid \$skip: expected a non-negative integer, found '-1'\.$/);
  });

  it('$count is true or false', () => {
    assert.equal(list('$count=false').count, false);
    refused(() => list('$count=yes'), /^Invalid \$count: expected true or false, found 'yes'\.$/);
  });

  it('$select: names, secrets allowed, unknown refused, * means all', () => {
    assert.deepEqual(list('$select=thumbprint, encryptedPfxBlob ,thumbprint').select?.map((p) => p.name), ['thumbprint', 'encryptedPfxBlob']);
    assert.equal(list('$select=*').select, undefined);
    refused(() => list('$select=id,nope'), /^Invalid \$select: property 'nope' does not exist on microsoft\.graph\.userPFXCertificate\.$/);
    refused(() => list('$select=id,,thumbprint'), /^Invalid \$select: expected a comma-separated list of property names/);
    refused(() => list('$select='), /Invalid \$select/);
  });

  it('$orderby: several keys, directions, refusals', () => {
    const q = list('$orderby=expirationDateTime desc, userPrincipalName,keyName ASC');
    assert.deepEqual(q.orderBy.map((k) => `${k.property.name} ${k.direction}`), ['expirationDateTime desc', 'userPrincipalName asc', 'keyName asc']);
    refused(() => list('$orderby=nope'), /^Invalid \$orderby: property 'nope' does not exist on microsoft\.graph\.userPFXCertificate\.$/);
    refused(() => list('$orderby=encryptedPfxPassword'), /^Invalid \$orderby: property 'encryptedPfxPassword' is secret and cannot be used in \$orderby\.$/);
    refused(() => list('$orderby=keyName sideways'), /^Invalid \$orderby: expected 'property' or 'property asc\|desc' separated by commas, found 'keyName sideways'\.$/);
    refused(() => list('$orderby=keyName,keyName desc'), /property 'keyName' appears more than once/);
    refused(() => list('$orderby='), /Invalid \$orderby/);
  });

  it('$filter errors come through', () => {
    refused(() => list('$filter='), /^Invalid \$filter at position 0: the expression is empty\.$/);
    refused(() => list("$filter=thumbprint eq 'x"), /unterminated string literal/);
  });
});

describe('query options: refusals', () => {
  it('duplicate options, however spelled', () => {
    refused(() => list('$top=1&top=2'), /^Query option '\$top' is specified more than once\.$/);
    refused(() => list("$filter=keyName eq 'a'&%24FILTER=keyName eq 'b'"), /^Query option '\$filter' is specified more than once\.$/);
  });

  it('unsupported options', () => {
    for (const name of ['expand', 'search', 'apply', 'compute']) {
      refused(() => list(`$${name}=x`), new RegExp(`^Query option '\\$${name}' is not supported\\.$`));
      refused(() => list(`${name}=x`), new RegExp(`^Query option '\\$${name}' is not supported\\.$`));
    }
  });

  it('unknown $ options are named', () => {
    refused(() => list('$frobnicate=1'), /^Unknown query option '\$frobnicate'\. Supported: \$filter, \$select, \$orderby, \$top, \$skip, \$count, \$skiptoken\.$/);
  });

  it('single entity: $select only', () => {
    assert.deepEqual(parseEntityQuery('$select=id,displayName', userEntity).select?.map((p) => p.name), ['id', 'displayName']);
    assert.deepEqual(parseEntityQuery('', userEntity), {});
    refused(() => parseEntityQuery('$top=5', userEntity), /^Query option '\$top' is not supported on a single entity\.$/);
    refused(() => parseEntityQuery('$expand=x', userEntity), /^Query option '\$expand' is not supported\.$/);
  });

  it('/$count: $filter only', () => {
    assert.equal(formatBoundFilter(parseCountQuery('$filter=accountEnabled eq true', userEntity).filter!), '(eq accountEnabled true)');
    assert.deepEqual(parseCountQuery('', userEntity), {});
    refused(() => parseCountQuery('$orderby=id', userEntity), /^Query option '\$orderby' is not supported on \/\$count\.$/);
  });
});

describe('query options: $skiptoken', () => {
  const raw = "$filter=keyName ne 'x'&$orderby=expirationDateTime desc,keyName&$top=2";

  it('round-trips through parseListQuery', () => {
    const q = list(raw);
    const token = encodeSkipToken(q, ['2027-01-01T00:00:00.0000000Z', 'k1', 42]);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    const next = list(`${raw}&$skiptoken=${token}`);
    assert.deepEqual(next.after, ['2027-01-01T00:00:00.0000000Z', 'k1', 42]);
  });

  it('survives the nextLink query builder', () => {
    const q = list(`${raw}&$skip=3`);
    const token = encodeSkipToken(q, ['2027-01-01T00:00:00.0000000Z', 'k1', 42]);
    const nextRaw = nextLinkQuery(`${raw}&$skip=3&x=a b`, token);
    assert.equal(nextRaw,
      `$filter=keyName%20ne%20'x'&$orderby=expirationDateTime%20desc,keyName&$top=2&x=a%20b&$skiptoken=${token}`);
    const next = list(nextRaw);
    assert.deepEqual(next.after, ['2027-01-01T00:00:00.0000000Z', 'k1', 42]);
    assert.equal(next.skip, 0);
  });

  it('refuses a token used with a different filter or order', () => {
    const token = encodeSkipToken(list(raw), ['2027-01-01T00:00:00.0000000Z', 'k1', 42]);
    refused(() => list(`$filter=keyName ne 'y'&$orderby=expirationDateTime desc,keyName&$skiptoken=${token}`),
      /^Invalid \$skiptoken: it was issued for a different \$filter or \$orderby\./);
    refused(() => list(`$filter=keyName ne 'x'&$orderby=expirationDateTime asc,keyName&$skiptoken=${token}`), /^Invalid \$skiptoken/);
    // A different $top is the same query: paging may change page size.
    assert.deepEqual(list(`$filter=keyName ne 'x'&$orderby=expirationDateTime desc,keyName&$top=50&$skiptoken=${token}`).after?.length, 3);
  });

  it('refuses garbage and tampered tokens with a 400, never a crash', () => {
    const q = list(raw);
    const good = encodeSkipToken(q, ['2027-01-01T00:00:00.0000000Z', 'k1', 42]);
    const payload = JSON.parse(Buffer.from(good, 'base64url').toString()) as { f: string; k: unknown[] };
    const forge = (k: unknown): string => Buffer.from(JSON.stringify({ f: payload.f, k })).toString('base64url');
    const bad = [
      'abc', '!!!!', '', 'x'.repeat(20_000),
      Buffer.from('not json').toString('base64url'),
      Buffer.from('null').toString('base64url'),
      Buffer.from('[1,2]').toString('base64url'),
      Buffer.from('{"f":1,"k":[]}').toString('base64url'),
      forge(['2027-01-01T00:00:00.0000000Z', 'k1']), // too few values
      forge(['2027-01-01T00:00:00.0000000Z', 'k1', 42, 43]), // too many
      forge([5, 'k1', 42]), // wrong type
      forge([null, 'k1', 42]), // null for a non-nullable key
      forge(['2027-01-01T00:00:00.0000000Z', 'k1', 1.5]), // sequence not an integer
      forge(['2027-01-01T00:00:00.0000000Z', 'k1', '42']),
      good.slice(0, -3),
      good.replace(/^./, (c) => (c === 'e' ? 'f' : 'e')),
    ];
    for (const token of bad) {
      refused(() => list(`${raw}&$skiptoken=${token}`), /^Invalid \$skiptoken/);
    }
  });

  it('checks value types per key kind', () => {
    const users = (r: string) => parseListQuery(r, userEntity);
    const q = users('$orderby=accountEnabled,displayName desc');
    const token = encodeSkipToken(q, [true, null, 3]);
    assert.deepEqual(users(`$orderby=accountEnabled,displayName desc&$skiptoken=${token}`).after, [true, null, 3]);
    const wrong = encodeSkipToken(q, [1, null, 3]);
    refused(() => users(`$orderby=accountEnabled,displayName desc&$skiptoken=${wrong}`), /^Invalid \$skiptoken/);
  });
});
