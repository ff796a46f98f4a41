import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { agrees, diffRecords, DriftTally, type DriftRecord } from '../../src/cli/drift.js';

const T1 = 'a'.repeat(40);
const T2 = 'b'.repeat(40);
const T3 = 'c'.repeat(40);

function record(upn: string, thumbprint: string, overrides: Partial<DriftRecord> = {}): DriftRecord {
  return {
    id: `${upn}-${thumbprint}`, userPrincipalName: upn, thumbprint,
    intendedPurpose: 'smimeEncryption', providerName: 'Microsoft Software Key Storage Provider', keyName: 'PFXEncryptionKey',
    paddingScheme: 'oaepSha512', startDateTime: '2026-01-01T00:00:00Z', expirationDateTime: '2027-01-01T00:00:00Z',
    ...overrides,
  };
}

describe('drift: two endpoints compared by user and thumbprint', () => {
  it('the same records on both sides agree', () => {
    const report = diffRecords([record('a@x', T1), record('b@x', T2)], [record('b@x', T2), record('a@x', T1)]);
    assert.deepEqual(report, { onlyHere: [], onlyThere: [], different: [], same: 2 });
    assert.ok(agrees(report));
  });

  it('nothing on either side agrees', () => {
    assert.ok(agrees(diffRecords([], [])));
  });

  it('only here, only there: with that side\'s id, sorted by user then thumbprint', () => {
    const report = diffRecords([record('zed@x', T1), record('amy@x', T2), record('amy@x', T1)], [record('bob@x', T3)]);
    assert.deepEqual(report.onlyHere.map((r) => [r.upn, r.thumbprint, r.id]), [
      ['amy@x', T1, `amy@x-${T1}`], ['amy@x', T2, `amy@x-${T2}`], ['zed@x', T1, `zed@x-${T1}`]]);
    assert.deepEqual(report.onlyThere, [{ upn: 'bob@x', thumbprint: T3, id: `bob@x-${T3}` }]);
    assert.equal(report.same, 0);
    assert.ok(!agrees(report));
  });

  it('the same thumbprint under another user is not a match', () => {
    const report = diffRecords([record('a@x', T1)], [record('b@x', T1)]);
    assert.equal(report.onlyHere.length, 1);
    assert.equal(report.onlyThere.length, 1);
  });

  it('users match in any case, thumbprints in any case and with separators (as Windows shows them)', () => {
    const windows = T1.toUpperCase().match(/../g)!.join(' ');
    const report = diffRecords([record('Amy@Contoso.com', T1)], [record('amy@contoso.COM', windows)]);
    assert.deepEqual(report, { onlyHere: [], onlyThere: [], different: [], same: 1 });
  });

  it('each differing property, here → there; the rest left out', () => {
    const report = diffRecords(
      [record('a@x', T1), record('b@x', T2)],
      [record('a@x', T1, { keyName: 'NewKey', intendedPurpose: 'smimeSigning' }), record('b@x', T2, { paddingScheme: 'pkcs1', providerName: null })],
    );
    assert.deepEqual(report.different, [
      { upn: 'a@x', thumbprint: T1, differences: { intendedPurpose: { here: 'smimeEncryption', there: 'smimeSigning' }, keyName: { here: 'PFXEncryptionKey', there: 'NewKey' } } },
      { upn: 'b@x', thumbprint: T2, differences: {
        providerName: { here: 'Microsoft Software Key Storage Provider', there: null }, paddingScheme: { here: 'oaepSha512', there: 'pkcs1' } } },
    ]);
    assert.equal(report.same, 0);
  });

  it('dates compare as instants: trailing zeros, fractions and offsets do not differ; another instant does', () => {
    const same = diffRecords(
      [record('a@x', T1, { startDateTime: '2026-01-01T00:00:00Z', expirationDateTime: '2027-01-01T00:00:00.0000000Z' })],
      [record('a@x', T1, { startDateTime: '2026-01-01T01:00:00+01:00', expirationDateTime: '2027-01-01T00:00:00Z' })],
    );
    assert.equal(same.same, 1);
    const moved = diffRecords([record('a@x', T1)], [record('a@x', T1, { expirationDateTime: '2027-01-01T00:00:01Z' })]);
    assert.deepEqual(moved.different[0]!.differences, { expirationDateTime: { here: '2027-01-01T00:00:00Z', there: '2027-01-01T00:00:01Z' } });
  });

  it('a missing value and null are the same; a missing date against a date differs', () => {
    const { keyName: _k, ...noKey } = record('a@x', T1);
    assert.equal(diffRecords([noKey], [record('a@x', T1, { keyName: null })]).same, 1);
    const report = diffRecords([record('a@x', T1, { startDateTime: null })], [record('a@x', T1)]);
    assert.deepEqual(report.different[0]!.differences, { startDateTime: { here: null, there: '2026-01-01T00:00:00Z' } });
  });

  it('the sides may arrive interleaved, in any order, and hold only the unmatched records meanwhile', () => {
    const tally = new DriftTally();
    tally.add('there', record('a@x', T1));
    tally.add('here', record('b@x', T2));
    tally.add('here', record('a@x', T1, { keyName: 'Other' }));
    tally.add('there', record('c@x', T3));
    tally.add('there', record('b@x', T2));
    assert.deepEqual(tally.report(), {
      onlyHere: [],
      onlyThere: [{ upn: 'c@x', thumbprint: T3, id: `c@x-${T3}` }],
      different: [{ upn: 'a@x', thumbprint: T1, differences: { keyName: { here: 'Other', there: 'PFXEncryptionKey' } } }],
      same: 1,
    });
  });

  it('a pair that differs reports the user as written here', () => {
    const report = diffRecords([record('Amy@X', T1)], [record('amy@x', T1, { keyName: 'K2' })]);
    assert.equal(report.different[0]!.upn, 'Amy@X');
  });
});
