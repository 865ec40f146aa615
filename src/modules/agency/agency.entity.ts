import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryColumn } from "typeorm";

@ObjectType({ description: "A responsible unit (責任單位) named by the plan, abbreviations expanded" })
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

/** A row of the table (snake_case columns) as the entity. */
export function rowToAgency(r: Record<string, unknown>): Agency {
  return Object.assign(new Agency(), {
    id: r.id, nameHans: r.name_hans, nameHant: r.name_hant, nameEn: r.name_en, abbreviations: r.abbreviations, level: r.level, note: r.note,
  });
}
