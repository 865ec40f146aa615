import { Field, Float, ID, Int, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryColumn } from "typeorm";
import { PlatformKind, PlatformLevel, PlatformStatus } from "../platform/platform.enums";
import { Mention } from "../source/mention.type";
import { PlanProgress, ReportedFigure } from "./reported-figure.entity";

/** Which platforms of the registry count toward a target. All given lists must match. */
@ObjectType({ simpleResolvers: true, description: "The rule by which the registry counts its own platforms toward a target" })
export class CountRule {
  @Field(() => [PlatformKind], { nullable: true }) kinds?: PlatformKind[];
  @Field(() => [PlatformLevel], { nullable: true }) levels?: PlatformLevel[];
  @Field(() => [PlatformStatus], { nullable: true }) statuses?: PlatformStatus[];
}

@ObjectType({ simpleResolvers: true, description: "A numeric target of the plan" })
@Entity({ name: "target" })
export class Target {
  @Field(() => ID) @PrimaryColumn({ type: "varchar", length: 96 }) id: string;
  @Field({ description: "Section path, e.g. 二(一)1" }) @Column({ type: "text" }) section: string;
  @Field() @Column({ name: "metric_hant", type: "text" }) metricHant: string;
  @Field() @Column({ name: "metric_hans", type: "text" }) metricHans: string;
  @Field() @Column({ name: "metric_en", type: "text" }) metricEn: string;
  @Field({ description: "Unit as the plan counts it: 家, 億元, %, 人, 件, ..." }) @Column({ type: "text" }) unit: string;
  @Field(() => Int, { nullable: true }) @Column({ type: "int", nullable: true }) year: number | null;
  @Field({ description: "YEARLY (a per-year figure), END_OF_2020 (到2020年末 totals) or ANNUAL (每年 ...)" })
  @Column({ type: "text" })
  scope: string;
  @Field(() => Float) @Column({ name: "value_min", type: "double precision" }) valueMin: number;
  @Field(() => Float) @Column({ name: "value_max", type: "double precision" }) valueMax: number;
  @Field(() => String, { nullable: true, description: "As worded: 超過, 突破, 以上, 力争, 達到 ..." })
  @Column({ type: "text", nullable: true })
  comparator: string | null;
  @Field({ description: "The first clause that states it, verbatim" }) @Column({ type: "text" }) excerpt: string;
  @Field(() => Int) @Column({ type: "int" }) offset: number;
  @Field(() => [Mention], { description: "Every clause of the plan that states this target, in document order (a target stated twice is one target)" })
  @Column({ type: "jsonb", default: () => "'[]'" })
  mentions: Mention[];
  @Field(() => [String], { description: "Ids this target had before the clauses stating it were merged into one target; they still resolve with target(id)" })
  @Column({ name: "former_ids", type: "text", array: true, default: () => "'{}'" })
  formerIds: string[];
  @Field(() => CountRule, { nullable: true }) @Column({ name: "count_rule", type: "jsonb", nullable: true }) countRule: CountRule | null;
  @Field(() => String, { nullable: true }) @Column({ type: "text", nullable: true }) note: string | null;

  @Field(() => Int, { nullable: true, description: "The registry's own count under countRule (on asOf when given); null when no rule applies" })
  registryCount?: number | null;

  @Field(() => [ReportedFigure], { description: "Figures the city published for this indicator, by year, with their sources" })
  reported: ReportedFigure[];

  @Field(() => PlanProgress, { description: "The plan's figure against the one published for the target's year" })
  progress: PlanProgress;
}
