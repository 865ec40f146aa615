import { Field, Float, ID, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { Table } from "../../db/table";

@ObjectType({ simpleResolvers: true, description: "One of Guangzhou's 11 districts (GB/T 2260)" })
@Entity({ name: "district" })
export class District {
  @Field(() => ID, { description: "GB/T 2260 code, e.g. 440112 for Huangpu" })
  @PrimaryColumn({ type: "varchar", length: 6 })
  code: string;

  @Field() @Column({ name: "name_hans", type: "text" }) nameHans: string;
  @Field() @Column({ name: "name_hant", type: "text" }) nameHant: string;
  @Field() @Column({ name: "name_en", type: "text" }) nameEn: string;

  @Field(() => Float, { description: "Longitude of the district's centroid (WGS-84)" })
  @Column({ name: "centroid_lng", type: "double precision" })
  centroidLng: number;

  @Field(() => Float, { description: "Latitude of the district's centroid (WGS-84)" })
  @Column({ name: "centroid_lat", type: "double precision" })
  centroidLat: number;
}

/** The table's columns, read from the decorators above (src/db/table.ts). */
export const DISTRICT_TABLE = new Table(District);

/** A row of the table (snake_case columns, or row_to_json of one) as the entity. */
export function rowToDistrict(r: Record<string, unknown>): District {
  return DISTRICT_TABLE.fromRow(r);
}
