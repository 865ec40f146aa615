/**
 * API tokens: created by the CLI (printed once), stored as SHA-256 hashes, revocable at once.
 * A token reads `gzr_<id>_<secret>`; the id lets `token list` and logs name a token without it.
 */
import { createHash, randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import { AppError, badInput, ErrorCode } from "../../errors";

export type Role = "ADMIN" | "EDITOR";

export interface Viewer {
  tokenId: string;
  name: string;
  role: Role;
  agencies: string[];
  districts: string[];
}

export interface TokenInfo extends Viewer {
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

const TOKEN_SHAPE = /^gzr_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$/;

export const hashToken = (token: string) => createHash("sha256").update(token, "utf8").digest("hex");

interface TokenRow {
  id: string; name: string; role: Role; agencies: string[]; districts: string[];
  created_at: Date; revoked_at: Date | null; last_used_at: Date | null;
}
const toInfo = (r: TokenRow): TokenInfo => ({
  tokenId: r.id, name: r.name, role: r.role, agencies: r.agencies, districts: r.districts,
  createdAt: r.created_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at,
});

export class TokenService {
  constructor(private readonly ds: DataSource) {}

  /**
   * Creates a token and returns it in clear, the only time it exists outside the caller. Mistakes are
   * BAD_USER_INPUT naming the input's fields (`extensions.field`: name, role, agencies, districts);
   * a caller with other names for them (the CLI's flags) translates.
   */
  async create(input: { name: string; role: Role; agencies?: string[]; districts?: string[] }): Promise<{ token: string; info: TokenInfo }> {
    const name = input.name?.trim();
    if (!name || name.length > 200) throw badInput("name is required (1 to 200 characters)", { field: "name" });
    if (input.role !== "ADMIN" && input.role !== "EDITOR") throw badInput("role must be ADMIN or EDITOR", { field: "role" });
    const agencies = [...new Set(input.agencies ?? [])];
    const districts = [...new Set(input.districts ?? [])];
    if (input.role === "EDITOR" && !agencies.length && !districts.length) {
      throw badInput("an editor needs a scope: at least one of agencies or districts", { field: "agencies", fields: ["agencies", "districts"] });
    }
    if (agencies.length) {
      const known: Array<{ id: string }> = await this.ds.query(`SELECT id FROM agency WHERE id = ANY($1::text[])`, [agencies]);
      const unknown = agencies.filter((a) => !known.some((k) => k.id === a));
      if (unknown.length) throw badInput(`agencies not in the registry: ${unknown.join(", ")}`, { field: "agencies", unknown });
    }
    if (districts.length) {
      const known: Array<{ code: string }> = await this.ds.query(`SELECT code FROM district WHERE code = ANY($1::text[])`, [districts]);
      const unknown = districts.filter((d) => !known.some((k) => k.code === d));
      if (unknown.length) throw badInput(`districts not in the registry: ${unknown.join(", ")}`, { field: "districts", unknown });
    }
    const id = randomBytes(9).toString("base64url").toLowerCase().replace(/[^a-z0-9]/g, "0").slice(0, 12);
    const token = `gzr_${id}_${randomBytes(32).toString("base64url")}`;
    const rows: TokenRow[] = await this.ds.query(
      `INSERT INTO api_token (id, name, role, agencies, districts, token_hash) VALUES ($1,$2,$3,$4,$5,$6) RETURNING *`,
      [id, name, input.role, agencies, districts, hashToken(token)],
    );
    return { token, info: toInfo(rows[0]) };
  }

  async list(): Promise<TokenInfo[]> {
    const rows: TokenRow[] = await this.ds.query(`SELECT * FROM api_token ORDER BY created_at, id`);
    return rows.map(toInfo);
  }

  /**
   * Revokes a token; it is refused from the next request on. NOT_FOUND for an id no token has;
   * CONFLICT (with `revokedAt`) for a token revoked before: nothing changes.
   */
  async revoke(id: string): Promise<TokenInfo> {
    // TypeORM answers an UPDATE with [rows, affected count]
    const [rows]: [TokenRow[], number] = await this.ds.query(
      `UPDATE api_token SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING *`,
      [id],
    );
    if (rows[0]) return toInfo(rows[0]);
    const found: TokenRow[] = await this.ds.query(`SELECT * FROM api_token WHERE id = $1`, [id]);
    if (!found[0]) throw new AppError(ErrorCode.NOT_FOUND, `no token with id ${id}`, { field: "id" });
    const revokedAt = found[0].revoked_at!.toISOString();
    throw new AppError(ErrorCode.CONFLICT, `token ${id} was already revoked at ${revokedAt}; nothing changed`, { field: "id", revokedAt });
  }

  /** An active token by its id (for command-line tools acting as that token), or null. */
  async byId(id: string): Promise<Viewer | null> {
    const rows: TokenRow[] = await this.ds.query(`SELECT * FROM api_token WHERE id = $1 AND revoked_at IS NULL`, [id]);
    return rows[0] ? toInfo(rows[0]) : null;
  }

  /** The viewer a bearer token stands for, or null when it is malformed, unknown or revoked. */
  async authenticate(token: string): Promise<Viewer | null> {
    if (!TOKEN_SHAPE.test(token)) return null;
    const rows: TokenRow[] = await this.ds.query(`SELECT * FROM api_token WHERE token_hash = $1 AND revoked_at IS NULL`, [hashToken(token)]);
    if (!rows[0]) return null;
    // last_used_at is coarse (a minute) so that concurrent requests with one token do not queue on its row.
    await this.ds.query(
      `UPDATE api_token SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`,
      [rows[0].id],
    );
    return toInfo(rows[0]);
  }
}
