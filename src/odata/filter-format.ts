import { logicalOperands, type BoundExpr, type BoundValue, type FilterExpr } from './filter-ast.js';

/**
 * Canonical S-expression text for filter trees: `(and (eq (tolower userPrincipalName) 'a@b.com') (eq thumbprint 'ab'))`.
 * Parser and binder tests compare against these strings, and the `$skiptoken` fingerprint hashes the bound form.
 * Same-operator chains print flat (`(or a b c)`); parentheses that changed the grouping still show as nesting.
 */
export function formatFilter(expr: FilterExpr): string {
  switch (expr.kind) {
    case 'literal':
      return expr.type === 'string' ? quote(expr.value as string) : expr.type === 'boolean' || expr.type === 'null' ? String(expr.value) : expr.text;
    case 'enumLiteral':
      return `${expr.enumType}${quote(expr.member)}`;
    case 'property':
      return expr.name;
    case 'compare':
      return `(${expr.op} ${formatFilter(expr.left)} ${formatFilter(expr.right)})`;
    case 'logical':
      return `(${expr.op} ${logicalOperands(expr).map(formatFilter).join(' ')})`;
    case 'not':
      return `(not ${formatFilter(expr.operand)})`;
    case 'in':
      return `(in ${formatFilter(expr.left)} (${expr.list.map(formatFilter).join(' ')}))`;
    case 'call':
      return `(${expr.name} ${expr.args.map(formatFilter).join(' ')})`;
  }
}

/** The bound tree: columns by property name (with their case mapping), parameters in stored form. */
export function formatBoundFilter(expr: BoundExpr): string {
  switch (expr.kind) {
    case 'compare':
      return `(${expr.op} ${formatValue(expr.left)} ${formatValue(expr.right)})`;
    case 'logical':
      return `(${expr.op} ${logicalOperands(expr).map(formatBoundFilter).join(' ')})`;
    case 'not':
      return `(not ${formatBoundFilter(expr.operand)})`;
    case 'in':
      return `(in ${formatValue(expr.left)} (${expr.list.map(formatValue).join(' ')}))`;
    case 'predicate':
      return `(${expr.name} ${formatValue(expr.subject)} ${formatValue(expr.search)})`;
    case 'boolean':
      return formatValue(expr.value);
  }
}

function formatValue(value: BoundValue): string {
  if (value.kind === 'column') {
    return value.transform ? `(to${value.transform} ${value.property.name})` : value.property.name;
  }
  return typeof value.value === 'string' ? quote(value.value) : String(value.value);
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
