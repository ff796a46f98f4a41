import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { auditEventEntity } from '../../src/model/audit-event.js';
import { certificateEntity } from '../../src/model/certificate.js';
import type { EntityDef } from '../../src/model/entity.js';
import { ValidationError } from '../../src/model/errors.js';
import { userEntity } from '../../src/model/user.js';
import { bindFilter } from '../../src/odata/filter-binder.js';
import { formatBoundFilter } from '../../src/odata/filter-format.js';
import { parseFilter } from '../../src/odata/filter-parser.js';

const bound = (text: string, entity: EntityDef = certificateEntity): string => formatBoundFilter(bindFilter(parseFilter(text), entity));

describe('$filter binder: accepted filters in stored form', () => {
  const cases: [string, string, EntityDef?][] = [
    // Case-insensitive properties: literal lower-cased; tolower() binds to the plain (already lower) column.
    ["tolower(userPrincipalName) eq 'A@Contoso.com' and tolower(thumbprint) eq 'AB12CD'",
      "(and (eq userPrincipalName 'a@contoso.com') (eq thumbprint 'ab12cd'))"],
    ["userPrincipalName eq 'A@Contoso.com'", "(eq userPrincipalName 'a@contoso.com')"],
    ["toupper(userPrincipalName) eq 'a@contoso.com'", "(eq (toupper userPrincipalName) 'A@CONTOSO.COM')"],
    ["startswith(userPrincipalName, 'Adele')", "(startswith userPrincipalName 'adele')"],
    ["userPrincipalName in ('A@x.com', 'b@X.com')", "(in userPrincipalName ('a@x.com' 'b@x.com'))"],
    // Case-sensitive properties keep the literal; tolower() is a real lower().
    ["keyName eq 'MyKey'", "(eq keyName 'MyKey')"],
    ["tolower(keyName) eq 'MyKey'", "(eq (tolower keyName) 'MyKey')"],
    ["contains(toupper(providerName), 'KSP')", "(contains (toupper providerName) 'KSP')"],
    ["endswith(keyName, '')", "(endswith keyName '')"],
    // Dates: stored form, any offset.
    ['expirationDateTime lt 2027-01-01T00:00:00Z', "(lt expirationDateTime '2027-01-01T00:00:00.0000000Z')"],
    ['startDateTime ge 2027-01-01T02:00:00.5+02:00', "(ge startDateTime '2027-01-01T00:00:00.5000000Z')"],
    ['2027-01-01T00:00:00Z gt expirationDateTime', "(gt '2027-01-01T00:00:00.0000000Z' expirationDateTime)"],
    // Enums: by name in any case, by number, qualified.
    ["intendedPurpose eq 'vpn'", '(eq intendedPurpose 4)'],
    ["intendedPurpose eq 'SmimeEncryption'", '(eq intendedPurpose 1)'],
    ['intendedPurpose eq 8', '(eq intendedPurpose 8)'],
    ["intendedPurpose eq '2'", '(eq intendedPurpose 2)'],
    ["intendedPurpose eq microsoft.graph.userPfxIntendedPurpose'WIFI'", '(eq intendedPurpose 8)'],
    ["paddingScheme in ('oaepSha256', 'OaepSha512')", '(in paddingScheme (3 5))'],
    ["intendedPurpose ne 'unassigned'", '(ne intendedPurpose 0)'],
    // Nulls, booleans, guids.
    ['displayName eq null', '(eq displayName null)', userEntity],
    ['null ne mail', '(ne null mail)', userEntity],
    ['accountEnabled', 'accountEnabled', userEntity],
    ['not accountEnabled', '(not accountEnabled)', userEntity],
    ['accountEnabled eq false', '(eq accountEnabled false)', userEntity],
    ['id eq 6F1C3BDE-42A7-4B1E-9A0C-3D2F1E5B7A90', "(eq id '6f1c3bde-42a7-4b1e-9a0c-3d2f1e5b7a90')", userEntity],
    ["id eq '6F1C3BDE-42A7-4B1E-9A0C-3D2F1E5B7A90'", "(eq id '6f1c3bde-42a7-4b1e-9a0c-3d2f1e5b7a90')", userEntity],
    ["correlationId eq 6f1c3bde-42a7-4b1e-9a0c-3d2f1e5b7a90 and activity eq 'Create'",
      "(and (eq correlationId '6f1c3bde-42a7-4b1e-9a0c-3d2f1e5b7a90') (eq activity 'Create'))", auditEventEntity],
    // Property names resolve case-insensitively, as Graph does.
    ["Thumbprint eq 'AB'", "(eq thumbprint 'ab')"],
    // Structure is kept.
    ["not (keyName eq 'a' or keyName eq 'b') and thumbprint ne 'c'",
      "(and (not (or (eq keyName 'a') (eq keyName 'b'))) (ne thumbprint 'c'))"],
  ];
  for (const [input, expected, entity] of cases) {
    it(input, () => assert.equal(bound(input, entity), expected));
  }

  it('binds the column property and transform the store compiles', () => {
    const expr = bindFilter(parseFilter("tolower(userPrincipalName) eq 'X'"), certificateEntity);
    assert.ok(expr.kind === 'compare' && expr.left.kind === 'column');
    assert.equal(expr.left.property.filterColumn, 'upn_lower');
    assert.equal(expr.left.transform, undefined);
  });

  it('binds a 10 KB chain of or clauses', () => {
    const text = Array.from({ length: 1000 }, (_, i) => `thumbprint eq 'T${i}'`).join(' or ');
    assert.equal(bound(text).match(/\(eq thumbprint 't\d+'\)/g)?.length, 1000);
  });
});

describe('$filter binder: refused filters', () => {
  const errors: [string, RegExp, EntityDef?][] = [
    ["nope eq 'x'", /^Invalid \$filter at position 0: property 'nope' does not exist on microsoft\.graph\.userPFXCertificate\.$/],
    ["encryptedPfxBlob eq 'x'", /^Invalid \$filter at position 0: property 'encryptedPfxBlob' is secret and cannot be used in \$filter\.$/],
    ["startswith(encryptedPfxPassword, 'x')", /at position 11: property 'encryptedPfxPassword' is secret and cannot be used in \$filter/],
    ["actor eq 'x'", /property 'actor' cannot be used in \$filter/, auditEventEntity],
    ['thumbprint eq 123', /at position 14: property 'thumbprint' is a String; expected a string in single quotes, e\.g\. 'text', found number 123/],
    ["expirationDateTime lt '2027-01-01T00:00:00Z'", /at position 22: property 'expirationDateTime' is a DateTimeOffset; expected an unquoted DateTimeOffset, e\.g\. 2027-01-01T00:00:00Z, found string '2027-01-01T00:00:00Z'/],
    ['expirationDateTime lt 5', /is a DateTimeOffset; expected an unquoted DateTimeOffset/],
    ["intendedPurpose eq 'bogus'", /at position 19: string 'bogus' is not a valid userPfxIntendedPurpose value for property 'intendedPurpose'; allowed values: 'unassigned', 'smimeEncryption', 'smimeSigning', 'vpn', 'wifi'\./],
    ['intendedPurpose eq 3', /number 3 is not a valid userPfxIntendedPurpose value/],
    ["intendedPurpose eq microsoft.graph.userPfxPaddingScheme'none'", /enum type 'microsoft\.graph\.userPfxPaddingScheme' does not match property 'intendedPurpose'/],
    ["accountEnabled eq 'true'", /property 'accountEnabled' is a Boolean; expected true or false, found string 'true'/, userEntity],
    ["id eq 'not-a-guid'", /property 'id' is a Guid; expected a GUID/, userEntity],
    ['thumbprint', /at position 0: property 'thumbprint' is a String, not a condition; compare it/],
    ['tolower(thumbprint)', /'tolower' returns a String, not a condition/],
    ["'x'", /a literal on its own is not a condition/],
    ['true', /a literal on its own is not a condition/],
    ['thumbprint eq keyName', /at position 11: comparing two properties \('thumbprint' eq 'keyName'\) is not supported/],
    ["'a' eq 'b'", /one side of 'eq' must be a property/],
    ["not keyName eq 'a'", /at position 0: an operand of 'eq' must be a property, tolower\/toupper of a property, or a literal, found a condition \(to negate a comparison write not \(a eq b\)\)/],
    ['keyName gt null', /at position 11: null can only be compared with 'eq' or 'ne', not 'gt'/],
    ["keyName in ('a', null)", /at position 17: null is not allowed in an 'in' list; use 'keyName eq null'/],
    ["keyName in ('a', 1)", /at position 17: property 'keyName' is a String; expected a string in single quotes/],
    ["tolower(intendedPurpose) eq 'vpn'", /at position 8: 'tolower' needs a String property; 'intendedPurpose' is a userPfxIntendedPurpose/],
    ["tolower('ABC') eq keyName", /the argument of 'tolower' must be a property, found string 'ABC'/],
    ["startswith(expirationDateTime, '2027')", /'startswith' needs a String property; 'expirationDateTime' is a DateTimeOffset/],
    ["startswith('abc', keyName)", /the first argument of 'startswith' must be a property/],
    ['startswith(keyName, 5)', /the second argument of 'startswith' must be a string in single quotes, found number 5/],
    ['contains(keyName, keyName)', /the second argument of 'contains' must be a string in single quotes, found property 'keyName'/],
  ];
  for (const [input, pattern, entity] of errors) {
    it(input, () => {
      assert.throws(() => bound(input, entity), (err: unknown) => {
        assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
        assert.match(err.message, pattern);
        return true;
      });
    });
  }
});
