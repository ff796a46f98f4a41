import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { REDACTED, Redactor } from '../../src/server/har-redact.js';

const R = REDACTED;

describe('Redactor (serve --record)', () => {
  test('headers: the scheme stays, the credential goes; cookies go whole', () => {
    const r = new Redactor();
    assert.equal(r.header('Authorization', 'Bearer eyJabc.def.ghi'), `Bearer ${R}`);
    assert.equal(r.header('authorization', 'Basic dXNlcjpwYXNzd29yZA=='), `Basic ${R}`);
    assert.equal(r.header('Authorization', 'tokenwithoutscheme'), R);
    assert.equal(r.header('Cookie', 'session=abc'), R);
    assert.equal(r.header('Content-Type', 'application/json'), 'application/json');
  });

  test('JSON: secret properties at any depth, in any case, inside strings of JSON; null stays null', () => {
    const r = new Redactor();
    const batch = { requests: [{ id: '1', headers: { Authorization: 'Bearer x' }, body: JSON.stringify({ EncryptedPfxBlob: 'MIIblob' }) }],
      encryptedPfxPassword: null, nested: { deeper: [{ client_secret: 's3cret-value' }] }, code: 'BadRequest' };
    assert.deepEqual(JSON.parse(r.body(JSON.stringify(batch), 'application/json')), {
      requests: [{ id: '1', headers: { Authorization: R }, body: JSON.stringify({ EncryptedPfxBlob: R }) }],
      encryptedPfxPassword: null, nested: { deeper: [{ client_secret: R }] }, code: 'BadRequest',
    });
  });

  test('JSON with nothing to redact is kept byte for byte', () => {
    const text = '{ "thumbprint" : "ab",\n  "keyName": "k" }';
    assert.equal(new Redactor().body(text, 'application/json'), text);
  });

  test('a form by field; text that is not JSON by pattern', () => {
    const r = new Redactor();
    assert.equal(r.body('grant_type=client_credentials&client_secret=abc%2Bdef&code=xyz', 'application/x-www-form-urlencoded'),
      `grant_type=client_credentials&client_secret=${encodeURIComponent(R)}&code=${encodeURIComponent(R)}`);
    assert.equal(r.body('{"keyName": "k", "encryptedPfxBlob" : "MIIC\\"trunc', 'application/json'), `{"keyName": "k", "encryptedPfxBlob" : "${R}"`);
    assert.equal(r.body('client_secret=abc&x=1', 'text/plain'), `client_secret=${R}&x=1`);
  });

  test('query strings: only the secret parameters change', () => {
    const r = new Redactor();
    assert.equal(r.query("$filter=keyName eq 'k'&access_token=eyJx&$top=5"), `$filter=keyName eq 'k'&access_token=${encodeURIComponent(R)}&$top=5`);
  });

  test('scrub: a remembered secret goes wherever it was echoed, as JSON or URL text', () => {
    const r = new Redactor();
    r.header('Authorization', 'Bearer tok"en+/=value');
    r.body(JSON.stringify({ encryptedPfxPassword: 'cGFzc3dvcmQ+/=' }), 'application/json');
    const entry = JSON.stringify({ a: 'echo tok"en+/=value', b: encodeURIComponent('tok"en+/=value'), c: 'x cGFzc3dvcmQ+/= y' });
    assert.deepEqual(JSON.parse(r.scrub(entry)), { a: `echo ${R}`, b: R, c: `x ${R} y` });
  });
});
