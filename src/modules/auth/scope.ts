/**
 * Where an editor may act. A token's scope is a list of grants; each grant is a whole agency, a whole
 * district, or an agency within a district, and the token may change a platform when any grant
 * applies to it. An admin's scope is everything.
 */
import { badInput } from "../../errors";

/** A grant: `agency` alone (every platform it is responsible for), `district` alone (every platform in it), or both (the agency's platforms in that district). */
export interface Grant {
  agency: string | null;
  district: string | null;
}

export interface Scoped {
  role: "ADMIN" | "EDITOR";
  grants: readonly Grant[];
}

/** Whether the grant applies to a platform in `districtCode` with these responsible agencies. */
export function grantApplies(g: Grant, p: { districtCode: string | null; agencies: readonly string[] }): boolean {
  return (g.district === null || g.district === p.districtCode) && (g.agency === null || p.agencies.includes(g.agency));
}

/** Whether the token may change the platform: an admin always, an editor when one of its grants applies. */
export function inScope(viewer: Scoped, p: { districtCode: string | null; agencies: readonly string[] }): boolean {
  return viewer.role === "ADMIN" || viewer.grants.some((g) => grantApplies(g, p));
}

const DISTRICT_CODE = /^[0-9]{6}$/;

/**
 * A grant as written on the command line: `gz-stic@440112` (an agency within a district), `gz-stic`
 * (a whole agency) or `440112` (a whole district: GB/T 2260 codes are six digits). BAD_USER_INPUT
 * with `field: "grants"` for anything else.
 */
export function parseGrant(text: string): Grant {
  const t = text.trim();
  const at = t.indexOf("@");
  if (at >= 0) {
    const agency = t.slice(0, at);
    const district = t.slice(at + 1);
    if (!agency || !DISTRICT_CODE.test(district) || agency.includes("@")) {
      throw badInput(`grants: "${text}" is not AGENCY@DISTRICT (e.g. gz-stic@440112)`, { field: "grants", value: text });
    }
    return { agency, district };
  }
  if (!t) throw badInput("grants: an empty grant", { field: "grants", value: text });
  return DISTRICT_CODE.test(t) ? { agency: null, district: t } : { agency: t, district: null };
}

/** A grant as the command line writes it (the inverse of parseGrant). */
export function formatGrant(g: Grant): string {
  if (g.agency && g.district) return `${g.agency}@${g.district}`;
  return g.agency ?? g.district ?? "";
}

/** Grants without repeats, in a stable order (agency, then district; whole grants first). */
export function normaliseGrants(grants: readonly Grant[]): Grant[] {
  const seen = new Map<string, Grant>();
  for (const g of grants) seen.set(formatGrant(g), { agency: g.agency ?? null, district: g.district ?? null });
  const key = (g: Grant) => `${g.agency ?? ""}\u0000${g.district ?? ""}`;
  return [...seen.values()].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
