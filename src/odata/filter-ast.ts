import type { PropertyDef } from '../model/entity.js';

/**
 * `$filter` syntax tree. The parser produces a `FilterExpr` (untyped, names unresolved); `bindFilter` checks it
 * against an entity's property table and produces a `BoundExpr`, whose literals are already converted to their
 * stored form, which is what each store compiles to parameterised SQL.
 */
export type CompareOp = 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le';
export type StringFunction = 'tolower' | 'toupper';
export type PredicateFunction = 'startswith' | 'endswith' | 'contains';

/** Parsed, not yet bound. `position` is the 0-based character offset in the `$filter` text. */
export type FilterExpr =
  | { kind: 'literal'; position: number; type: 'string' | 'number' | 'boolean' | 'null' | 'dateTimeOffset' | 'guid'; text: string; value: string | number | boolean | null }
  | { kind: 'enumLiteral'; position: number; enumType: string; member: string }
  | { kind: 'property'; position: number; name: string }
  | { kind: 'compare'; position: number; op: CompareOp; left: FilterExpr; right: FilterExpr }
  | { kind: 'logical'; position: number; op: 'and' | 'or'; left: FilterExpr; right: FilterExpr }
  | { kind: 'not'; position: number; operand: FilterExpr }
  | { kind: 'in'; position: number; left: FilterExpr; list: FilterExpr[] }
  | { kind: 'call'; position: number; name: StringFunction | PredicateFunction; args: FilterExpr[] };

/** A value operand after binding: a property (optionally case-mapped) or a parameter value in stored form. */
export type BoundValue =
  | { kind: 'column'; property: PropertyDef; transform?: 'lower' | 'upper' }
  | { kind: 'param'; value: string | number | boolean | null };

export type BoundExpr =
  | { kind: 'compare'; op: CompareOp; left: BoundValue; right: BoundValue }
  | { kind: 'logical'; op: 'and' | 'or'; left: BoundExpr; right: BoundExpr }
  | { kind: 'not'; operand: BoundExpr }
  | { kind: 'in'; left: BoundValue; list: BoundValue[] }
  | { kind: 'predicate'; name: PredicateFunction; subject: BoundValue; search: BoundValue }
  | { kind: 'boolean'; value: BoundValue };

/**
 * The operands of a chain of one logical operator: `a or b or c` is parsed left-deep as `(or (or a b) c)`;
 * this returns `[a, b, c]` without recursion. Everything that walks a tree (formatter, binder, SQL compiler) goes
 * through here, so a 10 KB filter of `or` clauses costs one stack frame per nesting level, not one per clause.
 */
export function logicalOperands<T extends { kind: string }>(expr: T & { op: 'and' | 'or'; left: T; right: T }): T[] {
  const rights: T[] = [];
  let node: T = expr;
  while (isSameLogical(node, expr.op)) {
    rights.push(node.right);
    node = node.left;
  }
  rights.push(node);
  return rights.reverse();
}

function isSameLogical<T extends { kind: string }>(node: T, op: 'and' | 'or'): node is T & { op: 'and' | 'or'; left: T; right: T } {
  return node.kind === 'logical' && (node as { op?: string }).op === op;
}
