/**
 * A message that outlives a page change ("Deleted certificate …"): kept until the next page renders, then shown
 * in its status region (role="status", polite).
 */
let pending: string | undefined;

export function announce(message: string): void {
  pending = message;
}

export function takeAnnouncement(): string | undefined {
  const message = pending;
  pending = undefined;
  return message;
}
