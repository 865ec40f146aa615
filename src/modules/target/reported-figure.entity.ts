import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";

@ObjectType({ simpleResolvers: true, description: "A published document: its title, publisher, date and address" })
export class PublishedSource {
  @Field() title: string;
  @Field({ description: "Who published it: a statistics bureau, a government, a newspaper, the institution" }) publisher: string;
  @Field({ description: "ISO date of publication" }) publishedAt: string;
  @Field(() => String, { nullable: true, description: "Where it can be read; null when the document has no known address" }) url: string | null;
}

/** A figure the city published for a target's indicator, with the document that states it. */
@ObjectType({
  simpleResolvers: true,
  description: "A figure the city published for a target's indicator (statistical bulletin, government work report, a bureau's review)",
})
@Entity({ name: "reported_figure" })
export class ReportedFigure {
  @PrimaryGeneratedColumn() id: number;
  @Column({ name: "target_id", type: "varchar", length: 96 }) targetId: string;
  @Field(() => Int, { description: "The year the figure is for" }) @Column({ type: "int" }) year: number;
  @Field(() => Float) @Column({ type: "double precision" }) value: number;
  @Field({ description: "Unit of value (the target's unit where the source allows a conversion; note says so)" }) @Column({ type: "text" }) unit: string;
  @Field(() => String, { nullable: true, description: "What exactly the figure measures, where it differs from the target's wording; conversions" })
  @Column({ type: "text", nullable: true })
  note: string | null;
  @Field({ description: "False when the figure measures something other than the target's indicator (note says what): shown, not compared with the plan's" })
  @Column({ type: "boolean", default: true })
  comparable: boolean;
  @Column({ name: "source_title", type: "text" }) sourceTitle: string;
  @Column({ name: "source_publisher", type: "text" }) sourcePublisher: string;
  @Column({ name: "source_published_at", type: "date" }) sourcePublishedAt: string;
  @Column({ name: "source_url", type: "text", nullable: true }) sourceUrl: string | null;
  @Field(() => PublishedSource) source: PublishedSource;
}

/** How the plan's figure compares with the one the city published for the target's year. */
export enum PlanProgress {
  MET = "MET",
  BEHIND = "BEHIND",
  NO_PUBLIC_FIGURE = "NO_PUBLIC_FIGURE",
}
registerEnumType(PlanProgress, {
  name: "PlanProgress",
  description:
    "MET: the figure published for the target's year reaches the plan's (valueMin); BEHIND: it does not; NO_PUBLIC_FIGURE: the registry holds no published figure for that year",
});
