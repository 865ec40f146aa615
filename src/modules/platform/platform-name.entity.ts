import { Field, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
import { DatePrecision } from "./platform.enums";
import { PublishedSource } from "../target/reported-figure.entity";

/** A name a platform took after the plan, with the date it took effect and the document that shows it. */
@ObjectType({ simpleResolvers: true, description: "A later name of a platform, from the date it took effect" })
@Entity({ name: "platform_name" })
export class PlatformName {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: "platform_id", type: "varchar", length: 96 }) platformId: string;
  @Field() @Column({ type: "text" }) name: string;
  @Field({ description: "Hans, Hant or En" }) @Column({ type: "varchar", length: 4 }) script: string;
  @Field({ description: "ISO date the name took effect (the first day of the month or year when datePrecision says so)" })
  @Column({ name: "effective_date", type: "date" })
  effectiveDate: string;
  @Field(() => DatePrecision) @Column({ name: "date_precision", type: "varchar", length: 5, default: "DAY" }) datePrecision: DatePrecision;
  @Column({ name: "source_title", type: "text" }) sourceTitle: string;
  @Column({ name: "source_publisher", type: "text" }) sourcePublisher: string;
  @Column({ name: "source_published_at", type: "date" }) sourcePublishedAt: string;
  @Column({ name: "source_url", type: "text", nullable: true }) sourceUrl: string | null;
  @Field(() => PublishedSource) source: PublishedSource;
}
