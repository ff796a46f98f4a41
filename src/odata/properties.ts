import type { EntityDef, PropertyDef } from '../model/entity.js';

/**
 * Property-name resolution shared by `$filter`, `$select` and `$orderby`, so all three accept and refuse the same
 * names with the same words. Names match exactly first, then case-insensitively (Graph resolves
 * `$select=DisplayName`); the property table has no two names differing only in case.
 */
export function findProperty(entity: EntityDef, name: string): PropertyDef | undefined {
  const exact = entity.byName.get(name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  return entity.properties.find((p) => p.name.toLowerCase() === lower);
}

export function qualifiedTypeName(entity: EntityDef): string {
  return `microsoft.graph.${entity.typeName}`;
}

export function unknownPropertyReason(entity: EntityDef, name: string): string {
  return `property '${name}' does not exist on ${qualifiedTypeName(entity)}`;
}

/** Why `property` may not appear in `option` (`$filter`, `$orderby`), or undefined when it may. */
export function notFilterableReason(property: PropertyDef, option: string): string | undefined {
  if (property.secret) return `property '${property.name}' is secret and cannot be used in ${option}`;
  if (!property.filterable) return `property '${property.name}' cannot be used in ${option}`;
  return undefined;
}

/** `String`, `DateTimeOffset`, `userPfxIntendedPurpose`… — the type as a client sees it in `$metadata`. */
export function typeLabel(property: PropertyDef): string {
  switch (property.kind) {
    case 'enum': return property.enumDef!.name;
    case 'guid': return 'Guid';
    case 'int32': return 'Int32';
    case 'complex': return 'complex value';
    default: return property.kind[0].toUpperCase() + property.kind.slice(1);
  }
}
