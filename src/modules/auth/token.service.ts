/**
 * API tokens: created by the CLI (printed once), stored as SHA-256 hashes. A token reads
 * `gzr_<id>_<secret>`; the id lets `token list` and logs name a token without it. A token ends when it
 * is revoked, when it expires, or (its secret only) when it is rotated: every request looks the token
 * up on the primary, so an ended secret is refused from the next request on, on every instance.
 */
import { createHash, randomBytes } from "node:crypto";
import type { DataSource, EntityManager } from "typeorm";
import { AppError, badInput, ErrorCode } from "../../errors";
import { normaliseGrants, type Grant } from "./scope";

export type Role = "ADMIN" | "EDITOR";

export interface Viewer {
  tokenId: string;
  name: string;
  role: Role;
  /** an editor's grants; an admin has none (everything is in scope) */
  grants: Grant[];
  expiresAt: Date | null;
}

export interface TokenInfo extends Viewer {
  createdAt: Date;
  revokedAt: Date | null;
  rotatedAt: Date | null;
  lastUsedAt: Date | null;
}

/** How many platforms a scope reaches, in all and per district (null: platforms with no district, e.g. overseas offices). */
export interface ScopeReach {
  platformCount: number;
  byDistrict: Array<{ districtCode: string | null; count: number }>;
}

const TOKEN_SHAPE = /^gzr_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

/** How long a last-used time may lag: the column is written at most once a minute per token, never on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

interface TokenRow {
  id: string;
  name: string;
  role: Role;
  grants: Grant[];
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  rotated_at: Date | null;
  last_used_at: Date | null;
}
const toInfo = (r: TokenRow): TokenInfo => ({
  tokenId: r.id,
  name: r.name,
  role: r.role,
  grants: normaliseGrants(r.grants),
  expiresAt: r.expires_at,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
  rotatedAt: r.rotated_at,
  lastUsedAt: r.last_used_at,
});

/** A token's row with its grants, as one statement reads it. */
const SELECT_TOKEN = `
  SELECT t.id, t.name, t.role, t.created_at, t.expires_at, t.revoked_at, t.rotated_at, t.last_used_at,
    coalesce((SELECT json_agg(json_build_object('agency', g.agency_id, 'district', g.district_code)) FROM api_token_grant g WHERE g.token_id = t.id), '[]') AS grants
  FROM api_token t`;
/** Still valid: not revoked, not expired (by the database's clock, the same for every instance). */
const ACTIVE = `t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`;

const newSecret = (id: string) => `gzr_${id}_${randomBytes(32).toString("base64url")}`;

/**
 * When a token given `--expires` ends: a duration from now (`30s`, `15m`, `12h`, `90d`, `2w`), a date
 * (`2027-06-30`: valid through that day in Guangzhou, UTC+8), or an ISO instant with its offset.
 * BAD_USER_INPUT (field `expires`) for anything else or for a time not in the future.
 */
export function parseExpiry(text: string, now = new Date()): Date {
  const t = text.trim();
  const unit: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };
  const d = /^(\d{1,6})\s*([smhdw])$/i.exec(t);
  let at: Date | null = null;
  if (d) at = new Date(now.getTime() + Number(d[1]) * unit[d[2].toLowerCase()]);
  else if (/^\d{4}-\d\d-\d\d$/.test(t)) {
    const day = new Date(`${t}T00:00:00+08:00`);
    if (!Number.isNaN(day.getTime()) && new Date(day.getTime() + 8 * 3_600_000).toISOString().slice(0, 10) === t) {
      at = new Date(day.getTime() + 86_400_000);
    }
  } else if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(t)) {
    const i = new Date(t);
    if (!Number.isNaN(i.getTime())) at = i;
  }
  if (!at)
    throw badInput(`expires: "${text}" is not a duration (30s, 15m, 12h, 90d, 2w), a date (2027-06-30) or an ISO time with offset`, { field: "expires" });
  if (at.getTime() <= now.getTime()) throw badInput(`expires: ${at.toISOString()} is not in the future`, { field: "expires" });
  // whole seconds, as `token list` shows it
  return new Date(Math.floor(at.getTime() / 1000) * 1000);
}

export class TokenService {
  /** token id → when this instance last wrote its last_used_at */
  private readonly lastUsedWrites = new Map<string, number>();

  constructor(private readonly ds: DataSource) {}

  /**
   * Creates a token and returns it in clear, the only time it exists outside the caller. `agencies` and
   * `districts` are whole-agency and whole-district grants; `grants` adds any others. Mistakes are
   * BAD_USER_INPUT naming the input's field (`extensions.field`: name, role, grants, expires); a caller
   * with other names for them (the CLI's flags) translates.
   */
  async create(input: {
    name: string;
    role: Role;
    agencies?: string[];
    districts?: string[];
    grants?: Grant[];
    expiresAt?: Date | null;
  }): Promise<{ token: string; info: TokenInfo }> {
    const name = input.name?.trim();
    if (!name || name.length > 200) throw badInput("name is required (1 to 200 characters)", { field: "name" });
    if (input.role !== "ADMIN" && input.role !== "EDITOR") throw badInput("role must be ADMIN or EDITOR", { field: "role" });
    const grants = normaliseGrants([
      ...(input.agencies ?? []).map((agency) => ({ agency, district: null })),
      ...(input.districts ?? []).map((district) => ({ agency: null, district })),
      ...(input.grants ?? []),
    ]);
    if (input.role === "EDITOR" && !grants.length) {
      throw badInput("an editor needs a scope: at least one grant (an agency, a district, or an agency within a district)", { field: "grants" });
    }
    if (input.role === "ADMIN" && grants.length) {
      throw badInput("an admin's scope is everything: grants apply to editors only", { field: "grants" });
    }
    if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw badInput("expires is not in the future", { field: "expires" });
    await this.checkGrants(grants);
    const id = randomBytes(9)
      .toString("base64url")
      .toLowerCase()
      .replace(/[^a-z0-9]/g, "0")
      .slice(0, 12);
    const token = newSecret(id);
    const info = await this.ds.transaction(async (m) => {
      await m.query(`INSERT INTO api_token (id, name, role, token_hash, expires_at) VALUES ($1,$2,$3,$4,$5)`, [
        id,
        name,
        input.role,
        hashToken(token),
        input.expiresAt ?? null,
      ]);
      if (grants.length) {
        await m.query(
          `INSERT INTO api_token_grant (token_id, agency_id, district_code) SELECT $1, g.agency, g.district FROM unnest($2::text[], $3::text[]) AS g(agency, district)`,
          [id, grants.map((g) => g.agency), grants.map((g) => g.district)],
        );
      }
      return this.find(m, id);
    });
    return { token, info: info! };
  }

  /** Every grant names an agency and a district the registry has; BAD_USER_INPUT listing the unknown ones. */
  private async checkGrants(grants: Grant[]): Promise<void> {
    const agencies = [...new Set(grants.map((g) => g.agency).filter((a): a is string => !!a))];
    const districts = [...new Set(grants.map((g) => g.district).filter((d): d is string => !!d))];
    const [knownAgencies, knownDistricts]: [Array<{ id: string }>, Array<{ code: string }>] = await Promise.all([
      agencies.length ? this.ds.query(`SELECT id FROM agency WHERE id = ANY($1::text[])`, [agencies]) : [],
      districts.length ? this.ds.query(`SELECT code FROM district WHERE code = ANY($1::text[])`, [districts]) : [],
    ]);
    const unknownAgencies = agencies.filter((a) => !knownAgencies.some((k) => k.id === a));
    const unknownDistricts = districts.filter((d) => !knownDistricts.some((k) => k.code === d));
    if (unknownAgencies.length || unknownDistricts.length) {
      const parts = [
        unknownAgencies.length ? `agencies not in the registry: ${unknownAgencies.join(", ")}` : "",
        unknownDistricts.length ? `districts not in the registry: ${unknownDistricts.join(", ")}` : "",
      ].filter(Boolean);
      throw badInput(parts.join("; "), { field: "grants", unknown: [...unknownAgencies, ...unknownDistricts] });
    }
  }

  private async find(m: EntityManager | DataSource, id: string): Promise<TokenInfo | null> {
    const rows: TokenRow[] = await m.query(`${SELECT_TOKEN} WHERE t.id = $1`, [id]);
    return rows[0] ? toInfo(rows[0]) : null;
  }

  async list(): Promise<TokenInfo[]> {
    const rows: TokenRow[] = await this.ds.query(`${SELECT_TOKEN} ORDER BY t.created_at, t.id`);
    return rows.map(toInfo);
  }

  /** The token by id, or NOT_FOUND; CONFLICT when it is revoked or expired (nothing can be done with it). */
  private async findActive(m: EntityManager, id: string, action: string): Promise<TokenInfo> {
    const rows: Array<TokenRow & { expired: boolean }> = await m.query(
      `${SELECT_TOKEN.replace("FROM api_token t", ", (t.expires_at IS NOT NULL AND t.expires_at <= now()) AS expired FROM api_token t")} WHERE t.id = $1 FOR UPDATE OF t`,
      [id],
    );
    const row = rows[0];
    if (!row) throw new AppError(ErrorCode.NOT_FOUND, `no token with id ${id}`, { field: "id" });
    if (row.revoked_at) {
      const revokedAt = row.revoked_at.toISOString();
      throw new AppError(ErrorCode.CONFLICT, `token ${id} was already revoked at ${revokedAt}; nothing changed`, { field: "id", revokedAt });
    }
    if (row.expired) {
      const expiresAt = row.expires_at!.toISOString();
      throw new AppError(ErrorCode.CONFLICT, `token ${id} expired at ${expiresAt}; ${action} changes nothing (create a new token)`, { field: "id", expiresAt });
    }
    return toInfo(row);
  }

  /**
   * Revokes a token; it is refused from the next request on. NOT_FOUND for an id no token has;
   * CONFLICT (with `revokedAt`) for a token revoked before: nothing changes.
   */
  async revoke(id: string): Promise<TokenInfo> {
    return this.ds.transaction(async (m) => {
      await this.findActiveOrRevoked(m, id);
      await m.query(`UPDATE api_token SET revoked_at = now() WHERE id = $1`, [id]);
      return (await this.find(m, id))!;
    });
  }

  /** Revoking an expired token is allowed (it makes the end final); a revoked one is a CONFLICT. */
  private async findActiveOrRevoked(m: EntityManager, id: string): Promise<void> {
    try {
      await this.findActive(m, id, "revoke");
    } catch (err) {
      if (err instanceof AppError && err.code === ErrorCode.CONFLICT && "expiresAt" in err.extensions) return;
      throw err;
    }
  }

  /**
   * Rotates a token: a new secret for the same id, name, role, grants and expiry. The old secret is
   * refused from the next request on. NOT_FOUND for an unknown id; CONFLICT for a revoked or expired
   * token (nothing changes).
   */
  async rotate(id: string): Promise<{ token: string; info: TokenInfo }> {
    return this.ds.transaction(async (m) => {
      await this.findActive(m, id, "rotate");
      const token = newSecret(id);
      await m.query(`UPDATE api_token SET token_hash = $2, rotated_at = now() WHERE id = $1`, [id, hashToken(token)]);
      return { token, info: (await this.find(m, id))! };
    });
  }

  /** An active token by its id (for command-line tools acting as that token), or null when it is unknown, revoked or expired. */
  async byId(id: string): Promise<Viewer | null> {
    const rows: TokenRow[] = await this.ds.query(`${SELECT_TOKEN} WHERE t.id = $1 AND ${ACTIVE}`, [id]);
    return rows[0] ? toInfo(rows[0]) : null;
  }

  /**
   * The viewer a bearer token stands for, or null when it is malformed, unknown, revoked, expired or
   * rotated away. One statement on the primary; last_used_at is written at most once a minute per token
   * (coarse on purpose: no write per request, no queue on a busy token's row).
   */
  async authenticate(token: string): Promise<Viewer | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const rows: TokenRow[] = await this.ds.query(`${SELECT_TOKEN} WHERE t.token_hash = $1 AND ${ACTIVE}`, [hashToken(token)]);
    const row = rows[0];
    if (!row) return null;
    const now = Date.now();
    const stale = !row.last_used_at || row.last_used_at.getTime() < now - LAST_USED_RESOLUTION_MS;
    if (stale && (this.lastUsedWrites.get(row.id) ?? 0) < now - LAST_USED_RESOLUTION_MS) {
      this.lastUsedWrites.set(row.id, now);
      if (this.lastUsedWrites.size > 10_000) this.lastUsedWrites.clear();
      await this.ds.query(`UPDATE api_token SET last_used_at = now() WHERE id = $1`, [row.id]);
    }
    return toInfo(row);
  }

  /**
   * How many platforms (not archived) a scope may change, in all and per district: what `token create`
   * prints and the desk's header shows. An admin reaches every platform.
   */
  async reach(viewer: Pick<Viewer, "role" | "grants">): Promise<ScopeReach> {
    const rows: Array<{ district_code: string | null; n: number }> = await this.ds.query(
      `SELECT p.district_code, count(*)::int AS n FROM platform p
       WHERE p.archived_at IS NULL AND ($3 OR EXISTS (
         SELECT 1 FROM unnest($1::text[], $2::text[]) AS g(agency, district)
         WHERE (g.district IS NULL OR g.district = p.district_code)
           AND (g.agency IS NULL OR EXISTS (SELECT 1 FROM platform_agency pa WHERE pa.platform_id = p.id AND pa.agency_id = g.agency))))
       GROUP BY p.district_code ORDER BY p.district_code NULLS LAST`,
      [viewer.grants.map((g) => g.agency), viewer.grants.map((g) => g.district), viewer.role === "ADMIN"],
    );
    return {
      platformCount: rows.reduce((n, r) => n + r.n, 0),
      byDistrict: rows.map((r) => ({ districtCode: r.district_code, count: r.n })),
    };
  }
}
