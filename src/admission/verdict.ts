// What an admission check returns: allowed or not, the reasons for a denial (each naming the field
// and why) and warnings (shown by kubectl, never blocking). Pure data; the capability turns it into
// Pepr's req.Approve / req.Deny.

export interface Verdict {
  allowed: boolean;
  /** Denial reasons, each `<field>: <reason>`. Empty when allowed. */
  reasons: string[];
  warnings: string[];
}

/** At most this many reasons are spelled out; a request with hundreds of bad paths gets a short answer. */
export const MAX_REASONS = 10;

export function approve(warnings: string[] = []): Verdict {
  return { allowed: true, reasons: [], warnings };
}

/** Allowed when there are no reasons. */
export function verdict(reasons: string[], warnings: string[]): Verdict {
  return { allowed: reasons.length === 0, reasons, warnings };
}

/** The single message the API server shows the user (kubectl prints it after "denied the request:"). */
export function denialMessage(v: Verdict): string {
  const shown = v.reasons.slice(0, MAX_REASONS);
  const more = v.reasons.length - shown.length;
  return shown.join("; ") + (more > 0 ? `; and ${more} more problem${more === 1 ? "" : "s"}` : "");
}

/** Warnings are capped as well: the API server limits warning headers in size and count. */
export function cappedWarnings(warnings: string[]): string[] {
  const unique = [...new Set(warnings)];
  if (unique.length <= MAX_REASONS) return unique;
  return [...unique.slice(0, MAX_REASONS), `and ${unique.length - MAX_REASONS} more warnings`];
}
