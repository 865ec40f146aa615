import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
import { PlatformStatus } from "../platform/platform.enums";

@ObjectType({ description: "The document a status change rests on" })
export class StatusSource {
  @Field() title: string;
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => String, { nullable: true, description: "ISO date" }) publishedAt?: string | null;
}

@ObjectType({ description: "One change of a platform's construction status" })
@Entity({ name: "status_event" })
export class StatusEvent {
  @Field(() => ID) @PrimaryGeneratedColumn({ type: "bigint" }) id: string;
  @Field() @Column({ name: "platform_id", type: "varchar", length: 96 }) platformId: string;
  @Field(() => PlatformStatus, { nullable: true, description: "null for the first event" })
  @Column({ name: "from_status", type: "varchar", length: 24, nullable: true })
  from: PlatformStatus | null;
  @Field(() => PlatformStatus) @Column({ name: "to_status", type: "varchar", length: 24 }) to: PlatformStatus;
  @Field({ description: "ISO date the status took effect" }) @Column({ name: "effective_date", type: "date" }) effectiveDate: string;
  @Field() @Column({ name: "recorded_at", type: "timestamptz", default: () => "now()" }) recordedAt: Date;
  @Field({ description: "Who recorded it (token name, or seed)" }) @Column({ type: "text" }) actor: string;
  @Field(() => String, { nullable: true }) @Column({ type: "text", nullable: true }) note: string | null;
  @Column({ name: "source_title", type: "text", nullable: true }) sourceTitle: string | null;
  @Column({ name: "source_url", type: "text", nullable: true }) sourceUrl: string | null;
  @Column({ name: "source_published_at", type: "date", nullable: true }) sourcePublishedAt: string | null;
  @Field({ description: "An admin correction (may move backwards)" }) @Column({ type: "boolean", default: false }) correction: boolean;
}
