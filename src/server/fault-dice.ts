import { API_VERSIONS } from '../graph/versions.js';
import { mulberry32 } from '../util/prng.js';
import type { FaultRules } from './fault-spec.js';

/** What happens to one matching request, decided when it arrives. */
export interface FaultPlan {
  /** Milliseconds to hold the request before anything else; 0 for none. */
  readonly delayMs: number;
  /** An error status to answer with instead of running the request. */
  readonly status?: number;
  /** For a write that then succeeds: answer 503 anyway (`answer`) or cut the connection (`drop`). */
  readonly afterCommit?: 'answer' | 'drop';
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** `/beta/…`, `/v1.0/…`, `/localtest/…`: the Graph API. Health, metrics and the dev authority never get faults. */
const API_PATH = new RegExp(`^/(${API_VERSIONS.map((v) => v.replace('.', '\\.')).join('|')})(/|$)`, 'i');

/**
 * Decides the faults, one request at a time in arrival order. Every matching request takes the same four draws
 * from the seeded generator whatever they decide, so the same seed and the same sequence of requests give the
 * same faults, and a request's faults do not depend on how earlier ones were answered.
 */
export class FaultDice {
  private readonly next: () => number;

  constructor(private readonly rules: FaultRules, seed: number) {
    this.next = mulberry32(seed);
  }

  /** Undefined when the request does not match the rules (or nothing happens to it). */
  plan(method: string, url: string): FaultPlan | undefined {
    if (!this.matches(method, url)) return undefined;
    const r = this.rules;
    const [statusDraw, statusPick, latencyDraw, commitDraw] = [this.next(), this.next(), this.next(), this.next()];
    const status = statusDraw < r.rate ? r.statuses[Math.floor(statusPick * r.statuses.length)] : undefined;
    const delayMs = r.latency ? r.latency.minMs + Math.floor(latencyDraw * (r.latency.maxMs - r.latency.minMs + 1)) : 0;
    const afterCommit = status !== undefined || !WRITES.has(method) ? undefined
      : commitDraw < r.afterCommit ? 'answer' as const
      : commitDraw < r.afterCommit + r.drop ? 'drop' as const
      : undefined;
    if (status === undefined && delayMs === 0 && afterCommit === undefined) return undefined;
    return { delayMs, status, afterCommit };
  }

  private matches(method: string, url: string): boolean {
    const path = decodedPath(url);
    if (!API_PATH.test(path)) return false;
    if (this.rules.methods && !this.rules.methods.includes(method)) return false;
    if (this.rules.paths) {
      const lower = path.toLowerCase();
      if (!this.rules.paths.some((p) => lower.includes(p))) return false;
    }
    return true;
  }
}

/** The path without the query, percent-escapes decoded (`%24batch` is `$batch`) where they are valid. */
function decodedPath(url: string): string {
  const path = url.split('?', 1)[0];
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
