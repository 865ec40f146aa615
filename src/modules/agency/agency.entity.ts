import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Table } from "../../db/table";

@ObjectType({ simpleResolvers: true, description: "A responsible unit (責任單位) named by the plan, abbreviations expanded" })
@Entity({ name: "agency" })
export class Agency {
  @Field(() => ID) @PrimaryColumn({ type: "varchar", length: 64 }) id: string;
  @Field() @Column({ name: "name_hans", type: "text" }) nameHans: string;
  @Field() @Column({ name: "name_hant", type: "text" }) nameHant: string;
  @Field() @Column({ name: "name_en", type: "text" }) nameEn: string;
  @Field(() => [String], { description: "Forms the plan writes it in, e.g. 市科技創新委" })
  @Column({ type: "text", array: true, default: () => "'{}'" })
  abbreviations: string[];
  @Field(() => String, { nullable: true }) @Column({ type: "text", nullable: true }) level: string | null;
  @Field(() => String, { nullable: true }) @Column({ type: "text", nullable: true }) note: string | null;
}

/** The table's columns, read from the decorators above (src/db/table.ts). */
export const AGENCY_TABLE = new Table(Agency);

/** A row of the table (snake_case columns, or row_to_json of one) as the entity. */
export function rowToAgency(r: Record<string, unknown>): Agency {
  return AGENCY_TABLE.fromRow(r);
}
