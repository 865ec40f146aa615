import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { Column, CreateDateColumn, Entity, PrimaryColumn, PrimaryGeneratedColumn, UpdateDateColumn } from "typeorm";
import { LocationPrecision, PlatformKind, PlatformLevel, PlatformStatus } from "./platform.enums";
import type { Agency } from "../agency/agency.entity";
import type { District } from "../district/district.entity";
import type { Domain } from "../domain/domain.entity";
import type { Mention } from "../source/mention.type";
import type { StatusEvent } from "../status/status-event.entity";

@ObjectType({ simpleResolvers: true, description: "A WGS-84 point and how far it can be trusted" })
export class Location {
  @Field(() => Float) lng: number;
  @Field(() => Float) lat: number;
  @Field(() => LocationPrecision) precision: LocationPrecision;
}

@ObjectType({ simpleResolvers: true, description: "Where an overseas office is" })
export class OverseasPlace {
  @Field() city: string;
  @Field({ description: "ISO 3166-1 alpha-2 country code" }) country: string;
}

@ObjectType({ simpleResolvers: true, description: "An innovation platform named by the plan" })
@Entity({ name: "platform" })
export class Platform {
  @Field(() => ID, { description: "Readable slug; never changes once published" })
  @PrimaryColumn({ type: "varchar", length: 96 })
  id: string;

  @Field({ description: "Simplified Chinese name" }) @Column({ name: "name_hans", type: "text" }) nameHans: string;
  @Field({ description: "Traditional Chinese name, exactly as the plan writes it" })
  @Column({ name: "name_hant", type: "text" })
  nameHant: string;
  @Field({ description: "English name" }) @Column({ name: "name_en", type: "text" }) nameEn: string;
  @Field({ description: "True when nameEn is the institution's own or established English name; false when it is the registry's translation" })
  @Column({ name: "name_en_established", type: "boolean" })
  nameEnEstablished: boolean;
  @Field(() => [String], { description: "Other forms the plan uses and well-known short names" })
  @Column({ type: "text", array: true, default: () => "'{}'" })
  aliases: string[];

  @Field(() => PlatformKind) @Column({ type: "varchar", length: 32 }) kind: PlatformKind;
  @Field(() => PlatformLevel, { nullable: true }) @Column({ type: "varchar", length: 16, nullable: true }) level: PlatformLevel | null;
  @Field(() => PlatformStatus) @Column({ type: "varchar", length: 24 }) status: PlatformStatus;

  @Column({ name: "district_code", type: "varchar", length: 6, nullable: true }) districtCode: string | null;
  @Column({ name: "zone_id", type: "varchar", length: 96, nullable: true }) zoneId: string | null;
  @Column({ name: "overseas_city", type: "text", nullable: true }) overseasCity: string | null;
  @Column({ name: "overseas_country", type: "varchar", length: 2, nullable: true }) overseasCountry: string | null;
  @Column({ type: "double precision", nullable: true }) lng: number | null;
  @Column({ type: "double precision", nullable: true }) lat: number | null;
  @Column({ type: "varchar", length: 16, nullable: true }) precision: LocationPrecision | null;
  @Field(() => String, {
    nullable: true,
    description: "Where the point comes from (a published site, the enclosing zone's point, the district's centre), or why the platform has none",
  })
  @Column({ name: "location_note", type: "text", nullable: true })
  locationNote: string | null;

  @Field(() => String, { nullable: true, description: "Why this record is as it is: borderline decisions, sites, estimates" })
  @Column({ type: "text", nullable: true })
  note: string | null;

  /** Normalised names (Simplified, lower-case, pinyin) for search; maintained by the platform service. */
  @Column({ name: "search_text", type: "text", default: "" }) searchText: string;
  /** Character unigrams and bigrams of searchText, GIN-indexed. */
  @Column({ name: "search_grams", type: "text", array: true, default: () => "'{}'" }) searchGrams: string[];
  /** Sort key: the Simplified name in pinyin. */
  @Column({ name: "sort_key", type: "text", default: "" }) sortKey: string;

  @Field(() => Float, { nullable: true, description: "Metres from filter.near's point (great-circle), when near is given" })
  distanceMeters?: number | null;

  @Field(() => Int, { description: "Bumped by every change; send it back as expectedVersion" })
  @Column({ type: "int", default: 1 })
  version: number;

  @Field(() => Date, { nullable: true }) @Column({ name: "archived_at", type: "timestamptz", nullable: true }) archivedAt: Date | null;
  @Field() @CreateDateColumn({ name: "created_at", type: "timestamptz" }) createdAt: Date;
  @Field() @UpdateDateColumn({ name: "updated_at", type: "timestamptz" }) updatedAt: Date;

  /** Relations read in the same statement as the platform (see lookahead.ts); not a column, not a field. */
  prefetched?: Prefetched;
}

/** What a platform's field resolvers find ready instead of asking a DataLoader. */
export interface Prefetched {
  district?: District | null;
  domains?: Domain[];
  agencies?: Agency[];
  mentions?: Mention[];
  statusHistory?: StatusEvent[];
}

/** platform ↔ domain */
@Entity({ name: "platform_domain" })
export class PlatformDomain {
  @PrimaryColumn({ name: "platform_id", type: "varchar", length: 96 }) platformId: string;
  @PrimaryColumn({ name: "domain_id", type: "varchar", length: 64 }) domainId: string;
}

/** platform ↔ agency, in the plan's order (lead agency first) */
@Entity({ name: "platform_agency" })
export class PlatformAgency {
  @PrimaryColumn({ name: "platform_id", type: "varchar", length: 96 }) platformId: string;
  @PrimaryColumn({ name: "agency_id", type: "varchar", length: 64 }) agencyId: string;
  @Column({ type: "int" }) position: number;
}

/** Every place the plan names a platform. */
@Entity({ name: "platform_mention" })
export class PlatformMention {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: "platform_id", type: "varchar", length: 96 }) platformId: string;
  @Column({ type: "text" }) section: string;
  @Column({ type: "text" }) excerpt: string;
  @Column({ type: "int" }) offset: number;
  @Column({ type: "int" }) position: number;
}
