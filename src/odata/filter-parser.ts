import type { CompareOp, FilterExpr, PredicateFunction, StringFunction } from './filter-ast.js';
import { filterError } from './filter-errors.js';
import { describeToken, tokenize, type Token } from './filter-lexer.js';

/**
 * `$filter` parser: tokens → `FilterExpr`, by recursive descent.
 *
 * Precedence, loosest first: `or` < `and` < comparison/`in` < `not` < primary (literal, property, call, `( )`).
 * `not` binds tighter than comparison, as in the OData precedence table (ODL does the same), so
 * `not a eq b` is `(not a) eq b`; write `not (a eq b)`.
 *
 * Keywords and function names are matched case-insensitively: Graph accepts `startsWith` (its docs' spelling),
 * and no property name collides with a keyword.
 *
 * Abuse limits: `and`/`or` chains are loops, not recursion, so a long list of clauses is cheap; every level of
 * real nesting (`(`, `not`, a call's arguments, an `in` list) counts against MAX_DEPTH, which bounds the stack
 * and keeps the generated SQL inside SQLite's expression-depth limit (1000).
 */
export const MAX_FILTER_LENGTH = 32_768;
export const MAX_DEPTH = 100;

const COMPARE_OPS: ReadonlySet<string> = new Set<CompareOp>(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const KEYWORDS: ReadonlySet<string> = new Set([...COMPARE_OPS, 'and', 'or', 'not', 'in', 'true', 'false', 'null']);
const FUNCTION_ARITY: Readonly<Record<StringFunction | PredicateFunction, number>> = {
  tolower: 1, toupper: 1, startswith: 2, endswith: 2, contains: 2,
};
const OPERATOR_LIST = 'eq, ne, gt, ge, lt, le, in, and, or';

export function parseFilter(text: string): FilterExpr {
  if (text.length > MAX_FILTER_LENGTH) {
    throw filterError(MAX_FILTER_LENGTH, `the expression is ${text.length} characters long; the limit is ${MAX_FILTER_LENGTH}`);
  }
  return new Parser(tokenize(text)).parse();
}

class Parser {
  private index = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): FilterExpr {
    if (this.peek().kind === 'end') throw filterError(0, 'the expression is empty');
    const expr = this.parseOr();
    const next = this.peek();
    if (next.kind !== 'end') throw this.unexpectedAfterOperand(next, 'the end of the expression');
    return expr;
  }

  private parseOr(): FilterExpr {
    let left = this.parseAnd();
    while (this.keyword(this.peek()) === 'or') {
      const op = this.next();
      left = { kind: 'logical', position: op.position, op: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): FilterExpr {
    let left = this.parseComparison();
    while (this.keyword(this.peek()) === 'and') {
      const op = this.next();
      left = { kind: 'logical', position: op.position, op: 'and', left, right: this.parseComparison() };
    }
    return left;
  }

  private parseComparison(): FilterExpr {
    const left = this.parseUnary();
    const opToken = this.peek();
    const op = this.keyword(opToken);
    let result: FilterExpr;
    if (op !== undefined && COMPARE_OPS.has(op)) {
      this.next();
      result = { kind: 'compare', position: opToken.position, op: op as CompareOp, left, right: this.parseUnary() };
    } else if (op === 'in') {
      this.next();
      result = { kind: 'in', position: opToken.position, left, list: this.parseList(opToken) };
    } else {
      return left;
    }
    const after = this.keyword(this.peek());
    if (after !== undefined && (COMPARE_OPS.has(after) || after === 'in')) {
      throw filterError(this.peek().position, `comparisons cannot be chained ('${after}' after a comparison); combine them with 'and' or 'or'`);
    }
    return result;
  }

  private parseUnary(): FilterExpr {
    const token = this.peek();
    if (this.keyword(token) !== 'not') return this.parsePrimary();
    this.next();
    this.enter(token);
    const operand = this.parseUnary();
    this.leave();
    return { kind: 'not', position: token.position, operand };
  }

  private parsePrimary(): FilterExpr {
    const token = this.next();
    switch (token.kind) {
      case 'lparen': {
        this.enter(token);
        const inner = this.parseOr();
        this.expectClose(token, 'the parenthesis');
        this.leave();
        return inner;
      }
      case 'string':
        return { kind: 'literal', position: token.position, type: 'string', text: token.text, value: token.value as string };
      case 'number':
        return { kind: 'literal', position: token.position, type: 'number', text: token.text, value: token.value as number };
      case 'dateTimeOffset':
        // The text keeps the written instant, with a '+' offset restored if the query decoding turned it into a space.
        return { kind: 'literal', position: token.position, type: 'dateTimeOffset', text: token.text.replace(' ', '+'), value: token.value as string };
      case 'guid':
        return { kind: 'literal', position: token.position, type: 'guid', text: token.text, value: token.value as string };
      case 'typedLiteral':
        return this.typedLiteral(token);
      case 'identifier':
        return this.identifier(token);
      default:
        throw filterError(token.position, `expected a property, a literal or a function call, found ${describeToken(token)}`);
    }
  }

  private identifier(token: Token): FilterExpr {
    const word = this.keyword(token);
    if (word === 'true' || word === 'false') {
      return { kind: 'literal', position: token.position, type: 'boolean', text: token.text, value: word === 'true' };
    }
    if (word === 'null') return { kind: 'literal', position: token.position, type: 'null', text: token.text, value: null };
    if (word !== undefined) {
      throw filterError(token.position, `expected a property, a literal or a function call, found the operator '${token.text}'`);
    }
    if (this.peek().kind === 'lparen') return this.call(token);
    return { kind: 'property', position: token.position, name: token.text };
  }

  private call(nameToken: Token): FilterExpr {
    const name = nameToken.text.toLowerCase();
    if (!Object.hasOwn(FUNCTION_ARITY, name)) {
      const lambda = name === 'any' || name === 'all' ? ' (lambda operators are not supported)' : '';
      throw filterError(nameToken.position,
        `unknown function '${nameToken.text}'${lambda}; supported functions: ${Object.keys(FUNCTION_ARITY).join(', ')}`);
    }
    const fn = name as keyof typeof FUNCTION_ARITY;
    const open = this.next();
    this.enter(open);
    const args: FilterExpr[] = [];
    if (this.peek().kind !== 'rparen') {
      args.push(this.parseOr());
      while (this.peek().kind === 'comma') {
        this.next();
        args.push(this.parseOr());
      }
    }
    this.expectClose(open, `the arguments of '${nameToken.text}'`, true);
    this.leave();
    if (args.length !== FUNCTION_ARITY[fn]) {
      const expected = FUNCTION_ARITY[fn];
      throw filterError(nameToken.position,
        `function '${nameToken.text}' takes ${expected} argument${expected === 1 ? '' : 's'}, found ${args.length}`);
    }
    return { kind: 'call', position: nameToken.position, name: fn, args };
  }

  /** `in ( v1, v2, … )` — values only; the binder checks they are literals of the right type. */
  private parseList(inToken: Token): FilterExpr[] {
    const open = this.next();
    if (open.kind !== 'lparen') {
      throw filterError(open.position, `expected '(' after '${inToken.text}' to start a list of values, found ${describeToken(open)}`);
    }
    this.enter(open);
    const list = [this.parsePrimary()];
    while (this.peek().kind === 'comma') {
      this.next();
      list.push(this.parsePrimary());
    }
    this.expectClose(open, `the list after '${inToken.text}'`, true);
    this.leave();
    return list;
  }

  /** `Namespace.EnumType'member'`. OData has other typed literals (`duration'…'`, and OData v3's `guid'…'`); Graph v4 does not take them. */
  private typedLiteral(token: Token): FilterExpr {
    if (token.typeName!.includes('.')) {
      return { kind: 'enumLiteral', position: token.position, enumType: token.typeName!, member: token.value as string };
    }
    throw filterError(token.position,
      `typed literal ${describeToken(token)} is not supported; write enum values as 'member' or Namespace.EnumType'member', GUIDs and DateTimeOffsets without quotes`);
  }

  private expectClose(open: Token, what: string, commaAllowed = false): void {
    const token = this.next();
    if (token.kind === 'rparen') return;
    const expected = commaAllowed ? "',' or ')'" : "')'";
    if (token.kind === 'end') {
      throw filterError(token.position, `expected ${expected} to close ${what} opened at position ${open.position}, found the end of the expression`);
    }
    throw this.unexpectedAfterOperand(token, `${expected} to close ${what} opened at position ${open.position}`);
  }

  /** After a complete operand only an operator or a closing token may follow; say which. */
  private unexpectedAfterOperand(token: Token, orWhat: string): Error {
    return filterError(token.position, `expected an operator (${OPERATOR_LIST}) or ${orWhat}, found ${describeToken(token)}`);
  }

  private enter(token: Token): void {
    if (++this.depth > MAX_DEPTH) {
      throw filterError(token.position, `the expression is nested more than ${MAX_DEPTH} levels deep`);
    }
  }

  private leave(): void {
    this.depth--;
  }

  /** The keyword a token spells (lower case), or undefined for anything else. */
  private keyword(token: Token): string | undefined {
    if (token.kind !== 'identifier') return undefined;
    const lower = token.text.toLowerCase();
    return KEYWORDS.has(lower) ? lower : undefined;
  }

  private peek(): Token {
    return this.tokens[this.index];
  }

  private next(): Token {
    const token = this.tokens[this.index];
    if (token.kind !== 'end') this.index++;
    return token;
  }
}
