/**
 * The platform's tables, each defined once from its entity (src/db/table.ts): the platform itself and
 * its join tables. The store (writes, whole records) and the relations (reads, counts) both use them.
 */
import { Table } from "../../db/table";
import { Platform, PlatformAgency, PlatformDomain, PlatformMention } from "./platform.entity";

export const PLATFORM = new Table(Platform);
/** Quoted column names by property, for SQL written by hand: `p.${col.districtCode}`. */
export const col = PLATFORM.c;

/** The join tables: a platform's domains, its agencies in the plan's order, and its mentions. */
export const PLATFORM_DOMAIN = new Table(PlatformDomain);
export const PLATFORM_AGENCY = new Table(PlatformAgency);
export const PLATFORM_MENTION = new Table(PlatformMention);
