/**
 * The token tables as TypeORM entities: not GraphQL types (a token is never served), but the one
 * definition of their columns, held against the migrated schema by tests/db/schema-agreement.test.ts.
 */
import { Column, Entity, PrimaryColumn, PrimaryGeneratedColumn } from "typeorm";

@Entity({ name: "api_token" })
export class ApiToken {
  @PrimaryColumn({ type: "varchar", length: 32 }) id: string;
  @Column({ type: "text" }) name: string;
  @Column({ type: "varchar", length: 16 }) role: string;
  /** SHA-256 of the secret, hex; the secret itself is never stored */
  @Column({ name: "token_hash", type: "character", length: 64 }) tokenHash: string;
  @Column({ name: "created_at", type: "timestamptz" }) createdAt: Date;
  @Column({ name: "expires_at", type: "timestamptz", nullable: true }) expiresAt: Date | null;
  @Column({ name: "revoked_at", type: "timestamptz", nullable: true }) revokedAt: Date | null;
  @Column({ name: "rotated_at", type: "timestamptz", nullable: true }) rotatedAt: Date | null;
  /** written at most once a minute per token */
  @Column({ name: "last_used_at", type: "timestamptz", nullable: true }) lastUsedAt: Date | null;
}

/** One grant of an editor's scope: an agency, a district, or both (the agency within the district). */
@Entity({ name: "api_token_grant" })
export class ApiTokenGrant {
  @PrimaryGeneratedColumn({ type: "bigint" }) id: string;
  @Column({ name: "token_id", type: "varchar", length: 32 }) tokenId: string;
  @Column({ name: "agency_id", type: "varchar", length: 64, nullable: true }) agencyId: string | null;
  @Column({ name: "district_code", type: "varchar", length: 6, nullable: true }) districtCode: string | null;
}
