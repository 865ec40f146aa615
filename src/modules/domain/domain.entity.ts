import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Table } from "../../db/table";
import { Mention } from "../source/mention.type";

@ObjectType({
  simpleResolvers: true,
  description:
    "An industry domain of the plan's scheme. A tree by `parent`; group nodes (IAB, NEM, the seven strategic emerging industries, the five 200-billion clusters) also gather members from other branches (`groups`/`members`).",
})
@Entity({ name: "domain" })
export class Domain {
  @Field(() => ID) @PrimaryColumn({ type: "varchar", length: 64 }) id: string;
  @Column({ name: "parent_id", type: "varchar", length: 64, nullable: true }) parentId: string | null;
  @Column({ name: "also_in", type: "text", array: true, default: () => "'{}'" }) alsoIn: string[];
  @Field() @Column({ name: "name_hans", type: "text" }) nameHans: string;
  @Field() @Column({ name: "name_hant", type: "text" }) nameHant: string;
  @Field() @Column({ name: "name_en", type: "text" }) nameEn: string;
  @Field({ description: "A grouping of the plan (IAB, NEM, ...) rather than a sector; platforms are tagged with sectors only" })
  @Column({ name: "is_group", type: "boolean", default: false })
  isGroup: boolean;
  @Field(() => String, { nullable: true }) @Column({ type: "text", nullable: true }) note: string | null;
  @Field(() => [Mention]) @Column({ type: "jsonb", default: () => "'[]'" }) mentions: Mention[];
}

/** The table's columns, read from the decorators above (src/db/table.ts). */
export const DOMAIN_TABLE = new Table(Domain);

/** A row of the table (snake_case columns, or row_to_json of one) as the entity. */
export function rowToDomain(r: Record<string, unknown>): Domain {
  return DOMAIN_TABLE.fromRow(r);
}
