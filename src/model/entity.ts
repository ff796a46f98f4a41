/**
 * Property tables: one per entity. The request validator, the `$select`/`$filter`/`$orderby` allow-lists,
 * the SQL column map and `$metadata` all derive from these, so a new property is one line.
 */
/** `complex` values (an audit event's actor, resources) are kept as JSON text, returned but never filtered on. */
export type EdmKind = 'string' | 'dateTimeOffset' | 'binary' | 'boolean' | 'guid' | 'enum' | 'int32' | 'complex';

export interface EnumMember {
  readonly name: string;
  readonly value: number;
}

export interface EnumDef {
  /** OData name without namespace, e.g. `userPfxIntendedPurpose`. */
  readonly name: string;
  readonly members: readonly EnumMember[];
}

/**
 * A complex type as Graph declares it (`auditActor`…). pfxstore keeps complex values as JSON text, so this only
 * says what `$metadata` declares; every member is nullable, as all of Graph's members of these types are.
 */
export interface ComplexTypeDef {
  /** OData name without namespace, e.g. `auditActor`. */
  readonly name: string;
  readonly properties: readonly ComplexMemberDef[];
}

export interface ComplexMemberDef {
  readonly name: string;
  /** `string`, or another complex type. */
  readonly type: 'string' | ComplexTypeDef;
  readonly collection?: boolean;
}

export interface PropertyDef {
  /** The JSON / OData name. */
  readonly name: string;
  readonly kind: EdmKind;
  readonly enumDef?: EnumDef;
  /** For kind `complex`: the value's type, and whether the value is a collection of it. */
  readonly complexType?: ComplexTypeDef;
  readonly collection?: boolean;
  /** SQL column holding the value as returned to clients. */
  readonly column: string;
  /**
   * Column used in `$filter`/`$orderby`. For case-insensitive properties it holds the lower-cased value so an
   * index answers `tolower(p) eq '…'` and plain `p eq '…'` alike (literals are lower-cased before binding).
   */
  readonly filterColumn: string;
  /**
   * The stored value may be null: a body may send null, the column is NULL-able, and `$filter`, `$orderby` and
   * skiptokens treat null as a value. Not what `$metadata` declares (declaredNullable), nor whether a create must
   * carry the property (required).
   */
  readonly storedNullable: boolean;
  /**
   * CSDL `Nullable` as Microsoft's beta schema declares it: Graph declares most properties nullable, including ones
   * a create must carry, and pfxstore's `$metadata` says what Graph says. Must be true where a response can hold
   * null (storedNullable, secret).
   */
  readonly declaredNullable: boolean;
  /** A create without it is a 400 (CONTRACT §4.2): a validation rule, not a CSDL fact. */
  readonly required: boolean;
  /** May appear in `$filter` and `$orderby`. Secret properties never are. */
  readonly filterable: boolean;
  readonly secret: boolean;
  /** Compared case-insensitively, as Entra ID compares userPrincipalName. */
  readonly caseInsensitive: boolean;
  /** Set by the server; client-sent values are ignored. */
  readonly serverSet: boolean;
  /** May be sent in a PATCH (services add rules of their own, such as 'only to its stored value'). */
  readonly patchable: boolean;
}

export interface EntityDef<P extends readonly PropertyDef[] = readonly PropertyDef[]> {
  /** Entity type name without namespace, e.g. `userPFXCertificate`. */
  readonly typeName: string;
  /** `@odata.type` value: `#microsoft.graph.userPFXCertificate`. */
  readonly odataType: string;
  /** Path of the entity set below the API version: `users`, `deviceManagement/userPfxCertificates`. */
  readonly setPath: string;
  /** SQL table. */
  readonly table: string;
  /** Stable default order and keyset tie-breaker: a monotonically increasing integer column (insertion order). */
  readonly sequenceColumn: string;
  readonly properties: P;
  readonly byName: ReadonlyMap<string, PropertyDef>;
  /**
   * The column that ties a row to the row that owns it (a certificate to its user), outside the properties:
   * stores write it from the `ownerId` of an insert, and deleting an owner that still owns rows is a conflict.
   */
  readonly ownerColumn?: string;
}

/** A property's value in a stored row, by its kind: dates and guids as text (model/datetime.ts), enums as numbers. */
interface StoredValues {
  string: string;
  dateTimeOffset: string;
  guid: string;
  binary: Buffer;
  boolean: boolean;
  enum: number;
  int32: number;
  /** JSON text. */
  complex: string;
}

/** Secret properties are stored encrypted, as bytes, whatever their kind (service/secret-box.ts). */
type StoredValue<P extends PropertyDef> = (P extends { secret: true } ? Buffer : StoredValues[P['kind']]) |
  (P extends { storedNullable: true } ? null : never);
type PropertyOf<E extends EntityDef> = E['properties'][number];

/**
 * A stored row of entity E, typed from its property table: `RowOf<typeof userEntity>['id']` is a string. The
 * secret properties are optional, since a read without the export role does not load them.
 */
export type RowOf<E extends EntityDef> =
  { [P in PropertyOf<E> as P extends { secret: true } ? never : P['name']]: StoredValue<P> } &
  { [P in PropertyOf<E> as P extends { secret: true } ? P['name'] : never]?: StoredValue<P> };

type PropertyInit = Partial<PropertyDef> & Pick<PropertyDef, 'name' | 'kind' | 'column'>;

/**
 * Fills the defaults of a property row: filterable, not secret, never null in storage, declared nullable (as
 * most of Graph's properties are), not required on create, filterColumn = column.
 */
export function property<const I extends PropertyInit>(init: I): PropertyDef & I {
  return {
    storedNullable: false,
    declaredNullable: true,
    required: false,
    filterable: !init.secret,
    secret: false,
    caseInsensitive: false,
    serverSet: false,
    patchable: false,
    filterColumn: init.column,
    ...init,
  };
}

export function entity<const P extends readonly PropertyDef[]>(def: Omit<EntityDef<P>, 'byName'>): EntityDef<P> {
  return Object.freeze({ ...def, byName: new Map(def.properties.map((p) => [p.name, p])) });
}

/** Looks up an enum member by name (case-insensitively, as the PowerShell module sends PascalCase) or number. */
export function enumMember(def: EnumDef, input: string | number): EnumMember | undefined {
  if (typeof input === 'number') return def.members.find((m) => m.value === input);
  const lower = input.toLowerCase();
  return def.members.find((m) => m.name.toLowerCase() === lower) ??
    (/^\d+$/.test(input) ? def.members.find((m) => m.value === Number(input)) : undefined);
}

/** `'a', 'b', 'c'` — for messages that list the allowed values. */
export function enumNames(def: EnumDef): string {
  return def.members.map((m) => `'${m.name}'`).join(', ');
}
