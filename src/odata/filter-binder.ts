import { GUID } from '../model/guid.js';
import type { EntityDef, PropertyDef } from '../model/entity.js';
import { enumMember, enumNames } from '../model/entity.js';
import { logicalOperands, type BoundExpr, type BoundValue, type FilterExpr } from './filter-ast.js';
import { filterError, quoteInput } from './filter-errors.js';
import { findProperty, notFilterableReason, typeLabel, unknownPropertyReason } from './properties.js';

/**
 * Binds a parsed `$filter` to an entity's property table: resolves names, type-checks, and converts every
 * literal to the stored form the stores compare against (dates → fixed-width UTC text, enums → their integer,
 * GUIDs → lower case).
 *
 * Case-insensitive properties (userPrincipalName, thumbprint) are filtered through their lower-cased
 * `filterColumn`, so any comparison with them is case-insensitive: the literal is lower-cased to match
 * (upper-cased under `toupper()`), and `tolower(p)` binds to the plain column — no SQL `lower()`, so the
 * PowerShell module's `tolower(userPrincipalName) eq '…' and tolower(thumbprint) eq '…'` is answered by an index.
 *
 * Deliberately refused, with a message: comparing two properties (Graph refuses it too), comparing two
 * literals, `null` inside `in ( … )`, functions on non-string properties.
 */
export function bindFilter(expr: FilterExpr, entity: EntityDef): BoundExpr {
  return new Binder(entity).condition(expr);
}

type ValueType = string | number | boolean | null;

/** A column operand with the source position of the property, for messages. */
interface ColumnRef {
  readonly property: PropertyDef;
  readonly transform?: 'lower' | 'upper';
  readonly position: number;
}

const EXPECTED: Readonly<Record<string, string>> = {
  string: "a string in single quotes, e.g. 'text'",
  guid: 'a GUID, e.g. 6f1c3bde-42a7-4b1e-9a0c-3d2f1e5b7a90',
  dateTimeOffset: 'an unquoted DateTimeOffset, e.g. 2027-01-01T00:00:00Z',
  boolean: 'true or false',
  int32: 'an integer',
};

class Binder {
  constructor(private readonly entity: EntityDef) {}

  condition(expr: FilterExpr): BoundExpr {
    switch (expr.kind) {
      case 'logical':
        // Rebuilt as the same left-deep chain, in a loop: see logicalOperands.
        return logicalOperands(expr).map((e) => this.condition(e))
          .reduce((left, right) => ({ kind: 'logical', op: expr.op, left, right }));
      case 'not':
        return { kind: 'not', operand: this.condition(expr.operand) };
      case 'compare':
        return this.compare(expr);
      case 'in':
        return this.inList(expr);
      case 'call':
        if (expr.name === 'tolower' || expr.name === 'toupper') {
          throw filterError(expr.position, `'${expr.name}' returns a String, not a condition; compare it, e.g. ${expr.name}(…) eq '…'`);
        }
        return this.predicate(expr);
      case 'property': {
        const property = this.resolve(expr);
        if (property.kind !== 'boolean') {
          throw filterError(expr.position,
            `property '${property.name}' is a ${typeLabel(property)}, not a condition; compare it, e.g. ${property.name} eq …`);
        }
        return { kind: 'boolean', value: { kind: 'column', property } };
      }
      case 'literal':
      case 'enumLiteral':
        throw filterError(expr.position, 'a literal on its own is not a condition; compare a property with it, e.g. property eq …');
    }
  }

  private compare(expr: Extract<FilterExpr, { kind: 'compare' }>): BoundExpr {
    const left = this.columnOperand(expr.left, expr.op);
    const right = this.columnOperand(expr.right, expr.op);
    if (left && right) {
      throw filterError(expr.position, `comparing two properties ('${left.property.name}' ${expr.op} '${right.property.name}') is not supported; compare a property with a literal`);
    }
    const column = left ?? right;
    if (!column) {
      throw filterError(expr.position, `one side of '${expr.op}' must be a property (or tolower/toupper of one)`);
    }
    const literal = left ? expr.right : expr.left;
    const value = this.literalValue(literal, column);
    if (value === null && expr.op !== 'eq' && expr.op !== 'ne') {
      throw filterError(literal.position, `null can only be compared with 'eq' or 'ne', not '${expr.op}'`);
    }
    const param: BoundValue = { kind: 'param', value };
    const col = columnValue(column);
    return { kind: 'compare', op: expr.op, left: left ? col : param, right: left ? param : col };
  }

  private inList(expr: Extract<FilterExpr, { kind: 'in' }>): BoundExpr {
    const column = this.columnOperand(expr.left, 'in');
    if (!column) throw filterError(expr.left.position, "the left side of 'in' must be a property (or tolower/toupper of one)");
    const list = expr.list.map((item): BoundValue => {
      const value = this.literalValue(item, column);
      if (value === null) throw filterError(item.position, `null is not allowed in an 'in' list; use '${column.property.name} eq null'`);
      return { kind: 'param', value };
    });
    return { kind: 'in', left: columnValue(column), list };
  }

  private predicate(expr: Extract<FilterExpr, { kind: 'call' }>): BoundExpr {
    const name = expr.name as 'startswith' | 'endswith' | 'contains';
    const [subjectExpr, searchExpr] = expr.args;
    const subject = this.columnOperand(subjectExpr, name);
    if (!subject) throw filterError(subjectExpr.position, `the first argument of '${name}' must be a property (or tolower/toupper of one)`);
    if (subject.property.kind !== 'string') {
      throw filterError(subject.position, `'${name}' needs a String property; '${subject.property.name}' is a ${typeLabel(subject.property)}`);
    }
    if (searchExpr.kind !== 'literal' || searchExpr.type !== 'string') {
      throw filterError(searchExpr.position, `the second argument of '${name}' must be a string in single quotes, found ${describe(searchExpr)}`);
    }
    return {
      kind: 'predicate', name,
      subject: columnValue(subject),
      search: { kind: 'param', value: caseMapped(searchExpr.value as string, subject) },
    };
  }

  /** A property, or `tolower`/`toupper` of one; undefined for a literal. Anything else cannot be an operand of `operator`. */
  private columnOperand(expr: FilterExpr, operator: string): ColumnRef | undefined {
    if (expr.kind === 'property') return { property: this.resolve(expr), position: expr.position };
    if (expr.kind === 'call' && (expr.name === 'tolower' || expr.name === 'toupper')) {
      const arg = expr.args[0];
      if (arg.kind !== 'property') throw filterError(arg.position, `the argument of '${expr.name}' must be a property, found ${describe(arg)}`);
      const property = this.resolve(arg);
      if (property.kind !== 'string') {
        throw filterError(arg.position, `'${expr.name}' needs a String property; '${property.name}' is a ${typeLabel(property)}`);
      }
      // The filter column of a case-insensitive property is already lower case.
      const transform = expr.name === 'toupper' ? 'upper' : property.caseInsensitive ? undefined : 'lower';
      return { property, transform, position: arg.position };
    }
    if (expr.kind === 'literal' || expr.kind === 'enumLiteral') return undefined;
    throw filterError(expr.position,
      `an operand of '${operator}' must be a property, tolower/toupper of a property, or a literal, found a condition (to negate a comparison write not (a eq b))`);
  }

  private resolve(expr: Extract<FilterExpr, { kind: 'property' }>): PropertyDef {
    const property = findProperty(this.entity, expr.name);
    if (!property) throw filterError(expr.position, unknownPropertyReason(this.entity, expr.name));
    const refused = notFilterableReason(property, '$filter');
    if (refused) throw filterError(expr.position, refused);
    return property;
  }

  /** Type-checks a literal against the column it is compared with and returns it in stored form. */
  private literalValue(expr: FilterExpr, column: ColumnRef): ValueType {
    const { property } = column;
    if (expr.kind === 'literal' && expr.type === 'null') return null;
    if (property.kind === 'enum') return enumValue(expr, property);
    if (expr.kind === 'literal') {
      switch (property.kind) {
        case 'string':
          if (expr.type === 'string') return caseMapped(expr.value as string, column);
          break;
        case 'guid':
          if (expr.type === 'guid') return expr.value;
          if (expr.type === 'string' && GUID.test(expr.value as string)) return (expr.value as string).toLowerCase();
          break;
        case 'dateTimeOffset':
          if (expr.type === 'dateTimeOffset') return expr.value;
          break;
        case 'boolean':
          if (expr.type === 'boolean') return expr.value;
          break;
        case 'int32':
          if (expr.type === 'number' && isInt32(expr.value as number)) return expr.value;
          break;
      }
    }
    if (expr.kind !== 'literal' && expr.kind !== 'enumLiteral') {
      throw filterError(expr.position, `expected a literal to compare with '${property.name}', found ${describe(expr)}`);
    }
    const expected = EXPECTED[property.kind] ?? 'nothing: it cannot be compared';
    throw filterError(expr.position, `property '${property.name}' is a ${typeLabel(property)}; expected ${expected}, found ${describe(expr)}`);
  }
}

function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31;
}

/** Enum literals: `'vpn'` (any case), `4`, `'4'`, or `microsoft.graph.userPfxIntendedPurpose'vpn'`. */
function enumValue(expr: FilterExpr, property: PropertyDef): number {
  const def = property.enumDef!;
  let input: string | number | undefined;
  if (expr.kind === 'enumLiteral') {
    const typeName = expr.enumType.toLowerCase();
    if (typeName !== `microsoft.graph.${def.name}`.toLowerCase() && typeName !== def.name.toLowerCase()) {
      throw filterError(expr.position, `enum type '${expr.enumType}' does not match property '${property.name}' of type microsoft.graph.${def.name}`);
    }
    input = expr.member;
  } else if (expr.kind === 'literal' && (expr.type === 'string' || expr.type === 'number')) {
    input = expr.value as string | number;
  }
  const member = input === undefined ? undefined : enumMember(def, input);
  if (!member) {
    throw filterError(expr.position,
      `${describe(expr)} is not a valid ${def.name} value for property '${property.name}'; allowed values: ${enumNames(def)}`);
  }
  return member.value;
}

function columnValue(column: ColumnRef): BoundValue {
  return column.transform ? { kind: 'column', property: column.property, transform: column.transform } : { kind: 'column', property: column.property };
}

/** A string compared with a case-insensitive property takes the case of its filter column (lower, or upper under toupper). */
function caseMapped(text: string, column: ColumnRef): string {
  if (!column.property.caseInsensitive) return text;
  return column.transform === 'upper' ? text.toUpperCase() : text.toLowerCase();
}

function describe(expr: FilterExpr): string {
  switch (expr.kind) {
    case 'literal':
      if (expr.type === 'string') return `string ${quoteInput(expr.value as string)}`;
      if (expr.type === 'boolean' || expr.type === 'null') return String(expr.value);
      return `${expr.type === 'dateTimeOffset' ? 'DateTimeOffset' : expr.type === 'guid' ? 'GUID' : 'number'} ${expr.text}`;
    case 'enumLiteral': return `${expr.enumType}'${expr.member}'`;
    case 'property': return `property '${expr.name}'`;
    case 'call': return `a call of '${expr.name}'`;
    default: return 'a condition';
  }
}
