/**
 * `diff`'s comparison, without I/O: the records of two Graph endpoints matched by user and thumbprint, as they
 * arrive from both at once. A record waits only until its twin from the other side turns up, so memory holds the
 * unmatched ones (few when the two mostly agree), not both sides whole.
 */
import type { UserPfxCertificate } from '../client/certificates.js';
import { normaliseThumbprint } from '../model/thumbprint.js';

/** The properties compared: what decides whether the connector can deliver the certificate, and when. */
export const COMPARED_PROPERTIES = ['intendedPurpose', 'providerName', 'keyName', 'paddingScheme', 'startDateTime', 'expirationDateTime'] as const;
export type ComparedProperty = typeof COMPARED_PROPERTIES[number];

/** Of these, the ones compared as instants: the wire form may drop trailing zero digits, or use another offset. */
const INSTANTS: ReadonlySet<ComparedProperty> = new Set(['startDateTime', 'expirationDateTime']);

/** What a record must carry to be compared (ids differ between endpoints and are only reported). */
export type DriftRecord = Pick<UserPfxCertificate, 'id' | 'userPrincipalName' | 'thumbprint'> &
  { readonly [P in ComparedProperty]?: string | null };

export type Side = 'here' | 'there';

/** A record on one side only: its user and thumbprint as that side wrote them, and that side's id. */
export interface OneSided {
  readonly upn: string;
  readonly thumbprint: string;
  readonly id: string;
}

export interface Different {
  readonly upn: string;
  readonly thumbprint: string;
  readonly differences: Partial<Record<ComparedProperty, { readonly here: string | null; readonly there: string | null }>>;
}

export interface DriftReport {
  readonly onlyHere: OneSided[];
  readonly onlyThere: OneSided[];
  readonly different: Different[];
  /** Records on both sides with every compared property equal. */
  readonly same: number;
}

interface Held {
  readonly record: DriftRecord;
  readonly thumbprint: string;
}

/** Collects both sides' records in any interleaving; `report()` once both have ended. */
export class DriftTally {
  private readonly waiting: Record<Side, Map<string, Held>> = { here: new Map(), there: new Map() };
  private readonly different: Different[] = [];
  private same = 0;

  add(side: Side, record: DriftRecord): void {
    const thumbprint = normaliseThumbprint(record.thumbprint) ?? record.thumbprint.toLowerCase();
    // UPNs compare without case, as Graph's own filters do; JSON keeps the pair unambiguous whatever they contain.
    const key = JSON.stringify([record.userPrincipalName.toLowerCase(), thumbprint]);
    const other = side === 'here' ? 'there' : 'here';
    const twin = this.waiting[other].get(key);
    if (twin === undefined) {
      // A second record of the same user and thumbprint on one side cannot be stored (both servers refuse it);
      // should one appear anyway, the first is the one compared.
      if (!this.waiting[side].has(key)) this.waiting[side].set(key, { record, thumbprint });
      return;
    }
    this.waiting[other].delete(key);
    const [here, there] = side === 'here' ? [record, twin.record] : [twin.record, record];
    const differences = compare(here, there);
    if (Object.keys(differences).length === 0) this.same++;
    else this.different.push({ upn: here.userPrincipalName, thumbprint, differences });
  }

  /** Each kind sorted by user, then thumbprint, so two runs over the same data print the same report. */
  report(): DriftReport {
    const oneSided = (side: Side): OneSided[] => [...this.waiting[side].values()]
      .map(({ record, thumbprint }) => ({ upn: record.userPrincipalName, thumbprint, id: record.id }))
      .sort(byUserAndThumbprint);
    return { onlyHere: oneSided('here'), onlyThere: oneSided('there'), different: [...this.different].sort(byUserAndThumbprint), same: this.same };
  }
}

/** Both sides at once, for callers (and tests) that hold them whole. */
export function diffRecords(here: Iterable<DriftRecord>, there: Iterable<DriftRecord>): DriftReport {
  const tally = new DriftTally();
  for (const record of here) tally.add('here', record);
  for (const record of there) tally.add('there', record);
  return tally.report();
}

/** True when the two endpoints agree: nothing on one side only, nothing different. */
export function agrees(report: DriftReport): boolean {
  return report.onlyHere.length === 0 && report.onlyThere.length === 0 && report.different.length === 0;
}

function compare(here: DriftRecord, there: DriftRecord): Different['differences'] {
  const differences: Partial<Record<ComparedProperty, { here: string | null; there: string | null }>> = {};
  for (const name of COMPARED_PROPERTIES) {
    const a = here[name] ?? null;
    const b = there[name] ?? null;
    if (!equal(name, a, b)) differences[name] = { here: a, there: b };
  }
  return differences;
}

function equal(name: ComparedProperty, a: string | null, b: string | null): boolean {
  if (a === b) return true;
  if (a === null || b === null || !INSTANTS.has(name)) return false;
  const [ta, tb] = [Date.parse(a), Date.parse(b)];
  // Date.parse keeps milliseconds: digits below them (Graph writes seven) are not counted as a difference.
  return !Number.isNaN(ta) && ta === tb;
}

function byUserAndThumbprint(a: { upn: string; thumbprint: string }, b: { upn: string; thumbprint: string }): number {
  const [ua, ub] = [a.upn.toLowerCase(), b.upn.toLowerCase()];
  if (ua !== ub) return ua < ub ? -1 : 1;
  return a.thumbprint < b.thumbprint ? -1 : a.thumbprint > b.thumbprint ? 1 : 0;
}
