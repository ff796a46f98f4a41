import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationError } from '../../src/model/errors.js';
import { formatFilter } from '../../src/odata/filter-format.js';
import { MAX_DEPTH, MAX_FILTER_LENGTH, parseFilter } from '../../src/odata/filter-parser.js';

const canonical = (text: string): string => formatFilter(parseFilter(text));

describe('$filter parser: canonical forms', () => {
  const cases: [string, string][] = [
    // The PowerShell module's queries and the index-backed expiry query (CONTRACT §4.4).
    ["tolower(userPrincipalName) eq 'a@contoso.com' and tolower(thumbprint) eq 'ab12cd'",
      "(and (eq (tolower userPrincipalName) 'a@contoso.com') (eq (tolower thumbprint) 'ab12cd'))"],
    ["userPrincipalName eq 'A@contoso.com'", "(eq userPrincipalName 'A@contoso.com')"],
    ['expirationDateTime lt 2027-01-01T00:00:00Z', '(lt expirationDateTime 2027-01-01T00:00:00Z)'],
    // Precedence: not > comparison > and > or.
    ['a eq 1 or b eq 2 and c eq 3', '(or (eq a 1) (and (eq b 2) (eq c 3)))'],
    ['a eq 1 and b eq 2 or c eq 3', '(or (and (eq a 1) (eq b 2)) (eq c 3))'],
    ['(a eq 1 or b eq 2) and c eq 3', '(and (or (eq a 1) (eq b 2)) (eq c 3))'],
    ['a eq 1 or (b eq 2 or c eq 3)', '(or (eq a 1) (or (eq b 2) (eq c 3)))'],
    ['a eq 1 or b eq 2 or c eq 3', '(or (eq a 1) (eq b 2) (eq c 3))'],
    ['not a eq b', '(eq (not a) b)'],
    ['not (a eq b)', '(not (eq a b))'],
    ['not(a eq b)', '(not (eq a b))'],
    ['not not accountEnabled', '(not (not accountEnabled))'],
    ['not accountEnabled and x eq 1', '(and (not accountEnabled) (eq x 1))'],
    ['accountEnabled', 'accountEnabled'],
    ['((((a eq 1))))', '(eq a 1)'],
    // Every comparison operator.
    ['a ne 1', '(ne a 1)'], ['a gt 1', '(gt a 1)'], ['a ge 1', '(ge a 1)'], ['a lt 1', '(lt a 1)'], ['a le 1', '(le a 1)'],
    // in
    ["intendedPurpose in ('vpn', 'wifi')", "(in intendedPurpose ('vpn' 'wifi'))"],
    ["x in ('a')", "(in x ('a'))"],
    ["tolower(x) in ('a','b')", "(in (tolower x) ('a' 'b'))"],
    // Functions, Graph's camelCase spelling included.
    ["startswith(keyName, 'abc')", "(startswith keyName 'abc')"],
    ["startsWith(keyName,'abc')", "(startswith keyName 'abc')"],
    ["endswith(keyName, 'abc')", "(endswith keyName 'abc')"],
    ["contains(tolower(keyName), 'abc')", "(contains (tolower keyName) 'abc')"],
    ["toupper(x) eq 'ABC'", "(eq (toupper x) 'ABC')"],
    ["not startswith(x, 'a')", "(not (startswith x 'a'))"],
    // Literals.
    ["x eq 'it''s'", "(eq x 'it''s')"],
    ["x eq ''", "(eq x '')"],
    ["x eq 'a&b = c or d'", "(eq x 'a&b = c or d')"],
    ['x eq 42', '(eq x 42)'], ['x eq -7', '(eq x -7)'], ['x eq 1.5', '(eq x 1.5)'], ['x eq 2e3', '(eq x 2e3)'],
    ['x eq true', '(eq x true)'], ['x eq false', '(eq x false)'], ['x eq null', '(eq x null)'],
    ['x ne NULL', '(ne x null)'],
    ['x eq 6F1C3BDE-42a7-4b1e-9a0c-3d2f1e5b7a90', '(eq x 6F1C3BDE-42a7-4b1e-9a0c-3d2f1e5b7a90)'],
    ['x eq deadbeef-42a7-4b1e-9a0c-3d2f1e5b7a90', '(eq x deadbeef-42a7-4b1e-9a0c-3d2f1e5b7a90)'],
    ['x ge 2026-01-22T19:17:04.1234567+02:00', '(ge x 2026-01-22T19:17:04.1234567+02:00)'],
    ['x ge 2026-01-22T19:17:04.5-05:30', '(ge x 2026-01-22T19:17:04.5-05:30)'],
    ['x ge 2026-01-22T19:17Z', '(ge x 2026-01-22T19:17Z)'],
    // An un-encoded '+' offset arrives as a space after query decoding.
    ['x ge 2026-01-22T19:17:04 02:00', '(ge x 2026-01-22T19:17:04+02:00)'],
    ["intendedPurpose eq microsoft.graph.userPfxIntendedPurpose'vpn'", "(eq intendedPurpose microsoft.graph.userPfxIntendedPurpose'vpn')"],
    ["intendedPurpose eq 'vpn'", "(eq intendedPurpose 'vpn')"],
    // Whitespace and keyword case.
    ['  a  eq\t1\n', '(eq a 1)'],
    ["thumbprint eq'ab'", "(eq thumbprint 'ab')"],
    ['a EQ 1 AND b Eq 2 Or NOT c', '(or (and (eq a 1) (eq b 2)) (not c))'],
    ["'x' eq a", "(eq 'x' a)"],
  ];
  for (const [input, expected] of cases) {
    it(input, () => assert.equal(canonical(input), expected));
  }

  it('keeps positions of nodes', () => {
    const expr = parseFilter("thumbprint eq 'ab' and keyName ne 'k'");
    assert.equal(expr.kind, 'logical');
    if (expr.kind !== 'logical') return;
    assert.equal(expr.position, 19);
    assert.equal(expr.right.position, 31);
    assert.ok(expr.right.kind === 'compare' && expr.right.left.position === 23 && expr.right.right.position === 34);
  });

  it('converts literal values', () => {
    const expr = parseFilter("x eq 2026-01-22T21:17:04.1234567+02:00 and y eq 'it''s' and z eq DEADBEEF-42a7-4b1e-9a0c-3d2f1e5b7a90");
    const values: unknown[] = [];
    const walk = (e: typeof expr): void => {
      if (e.kind === 'logical') { walk(e.left); walk(e.right); }
      if (e.kind === 'compare' && e.right.kind === 'literal') values.push(e.right.value);
    };
    walk(expr);
    assert.deepEqual(values, ['2026-01-22T19:17:04.1234567Z', "it's", 'deadbeef-42a7-4b1e-9a0c-3d2f1e5b7a90']);
  });
});

describe('$filter parser: errors', () => {
  const errors: [string, RegExp][] = [
    ['', /^Invalid \$filter at position 0: the expression is empty\.$/],
    ['   ', /^Invalid \$filter at position 0: the expression is empty\.$/],
    ["x eq 'abc", /^Invalid \$filter at position 5: unterminated string literal/],
    ["x eq 'it''s", /at position 5: unterminated string literal/],
    ['foo(x) eq 1', /^Invalid \$filter at position 0: unknown function 'foo'; supported functions: tolower, toupper, startswith, endswith, contains\.$/],
    ["tags/any(t: t eq 'a')", /at position 4: unexpected character '\/'; property paths and lambda operators/],
    ['any(x)', /unknown function 'any' \(lambda operators are not supported\)/],
    ['(a eq 1', /^Invalid \$filter at position 7: expected '\)' to close the parenthesis opened at position 0, found the end of the expression\.$/],
    ["startswith(a, 'b'", /at position 17: expected ',' or '\)' to close the arguments of 'startswith' opened at position 10, found the end/],
    ['a eq 1)', /^Invalid \$filter at position 6: expected an operator \(eq, ne, gt, ge, lt, le, in, and, or\) or the end of the expression, found '\)'\.$/],
    ["a eq 'x' 'y'", /at position 9: expected an operator .* found string literal 'y'/],
    ['a eqq 1', /at position 2: expected an operator .* found 'eqq'/],
    ['a eq', /at position 4: expected a property, a literal or a function call, found the end of the expression/],
    ['eq 1', /at position 0: expected a property, a literal or a function call, found the operator 'eq'/],
    ['a eq 1 and', /at position 10: expected a property/],
    ['a eq 1 eq 2', /at position 7: comparisons cannot be chained/],
    ["a in 'x'", /at position 5: expected '\(' after 'in'/],
    ['a in ()', /at position 6: expected a property, a literal or a function call, found '\)'/],
    ['startswith(a)', /at position 0: function 'startswith' takes 2 arguments, found 1/],
    ["tolower(a, 'b') eq 'c'", /function 'tolower' takes 1 argument, found 2/],
    ['a = 1', /at position 2: unexpected character '='; use 'eq' to compare/],
    ['a eq "x"', /at position 5: unexpected character '"'; string literals are enclosed in single quotes/],
    ['a eq 1 && b eq 2', /at position 7: unexpected character '&'; use 'and'/],
    ['x lt 2027-01-01', /at position 5: '2027-01-01' is a date without a time; write a DateTimeOffset such as 2027-01-01T00:00:00Z/],
    ['x lt 2027-01-01T00:00:00', /at position 5: DateTimeOffset '2027-01-01T00:00:00' needs 'Z' or an offset/],
    ['x lt 2027-13-01T00:00:00Z', /at position 5: '2027-13-01T00:00:00Z' is not a valid DateTimeOffset/],
    ['x lt 2027-01-01T00:00:00.12345678Z', /is not a valid DateTimeOffset/],
    ['x lt 2027-01-01T00:00:00Zz', /at position 25: unexpected character 'z' directly after '2027-01-01T00:00:00Z'/],
    ['x eq 12abc', /at position 7: unexpected character 'a' directly after '12'/],
    ['x eq 1e999', /number '1e999' is out of range/],
    ["x eq guid'6f1c3bde-42a7-4b1e-9a0c-3d2f1e5b7a90'", /at position 5: typed literal .* is not supported/],
    ['a eq 1 and not', /at position 14: expected a property/],
  ];
  for (const [input, pattern] of errors) {
    it(JSON.stringify(input), () => {
      assert.throws(() => parseFilter(input), (err: unknown) => {
        assert.ok(err instanceof ValidationError, `expected ValidationError, got ${String(err)}`);
        assert.match(err.message, pattern);
        return true;
      });
    });
  }
});

describe('$filter parser: limits', () => {
  it('parses a 10 KB filter of or clauses (iteratively)', () => {
    const clauses = Array.from({ length: 1000 }, (_, i) => `thumbprint eq '${String(i).padStart(4, '0')}'`);
    const text = clauses.join(' or ');
    assert.ok(text.length > 10_000);
    const expr = parseFilter(text);
    const printed = formatFilter(expr);
    assert.ok(printed.startsWith("(or (eq thumbprint '0000') (eq thumbprint '0001')"));
    assert.equal(printed.match(/\(eq /g)?.length, 1000);
  });

  it('parses the longest short-clause chain within the length limit', () => {
    const text = Array.from({ length: 5000 }, () => 'a').join(' or ');
    assert.ok(text.length < MAX_FILTER_LENGTH);
    assert.equal(formatFilter(parseFilter(text)).split(' ').length, 5001);
  });

  it('accepts nesting up to the depth limit', () => {
    const text = '('.repeat(MAX_DEPTH) + 'a eq 1' + ')'.repeat(MAX_DEPTH);
    assert.equal(canonical(text), '(eq a 1)');
  });

  it('refuses 10,000-deep parentheses with a ValidationError, not a RangeError', () => {
    const text = '('.repeat(10_000) + 'a eq 1' + ')'.repeat(10_000);
    assert.throws(() => parseFilter(text), (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.equal(err.message, `Invalid $filter at position ${MAX_DEPTH}: the expression is nested more than ${MAX_DEPTH} levels deep.`);
      return true;
    });
  });

  it('refuses deep not chains and nested calls the same way', () => {
    assert.throws(() => parseFilter('not '.repeat(5000) + 'a'), /nested more than 100 levels deep/);
    assert.throws(() => parseFilter('tolower('.repeat(1000) + 'a' + ')'.repeat(1000)), /nested more than 100 levels deep/);
  });

  it('refuses an over-long filter before lexing it', () => {
    const text = 'a'.repeat(MAX_FILTER_LENGTH + 1);
    assert.throws(() => parseFilter(text), /the expression is 32769 characters long; the limit is 32768/);
  });
});
