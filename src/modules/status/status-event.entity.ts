import { Field, ID, ObjectType } from "type-graphql";
import { Column, Entity, PrimaryGeneratedColumn } from "typeorm";
import { Table } from "../../db/table";
import { DatePrecision, PlatformStatus } from "../platform/platform.enums";

@ObjectType({ simpleResolvers: true, description: "The document a status change rests on" })
export class StatusSource {
  @Field() title: string;
  @Field(() => String, { nullable: true }) url?: string | null;
  @Field(() => String, { nullable: true, description: "ISO date" }) publishedAt?: string | null;
  @Field(() => String, { nullable: true, description: "Who published it (a bureau, a newspaper, the institution)" }) publisher?: string | null;
}

@ObjectType({ simpleResolvers: true, description: "One change of a platform's construction status" })
@Entity({ name: "status_event" })
export class StatusEvent {
  @Field(() => ID) @PrimaryGeneratedColumn({ type: "bigint" }) id: string;
  @Field() @Column({ name: "platform_id", type: "varchar", length: 96 }) platformId: string;
  @Field(() => PlatformStatus, { nullable: true, description: "null for the first event" })
  @Column({ name: "from_status", type: "varchar", length: 24, nullable: true })
  from: PlatformStatus | null;
  @Field(() => PlatformStatus) @Column({ name: "to_status", type: "varchar", length: 24 }) to: PlatformStatus;
  @Field({ description: "ISO date the status took effect (the first day of the month or year when datePrecision says so)" })
  @Column({ name: "effective_date", type: "date" })
  effectiveDate: string;
  @Field(() => DatePrecision, { description: "How much of effectiveDate the source states: DAY, or only the MONTH or the YEAR" })
  @Column({ name: "date_precision", type: "varchar", length: 5, default: "DAY" })
  datePrecision: DatePrecision;
  @Field() @Column({ name: "recorded_at", type: "timestamptz", default: () => "now()" }) recordedAt: Date;
  @Field({ description: "Who recorded it (token name, or seed)" }) @Column({ type: "text" }) actor: string;
  @Field(() => String, { nullable: true }) @Column({ type: "text", nullable: true }) note: string | null;
  @Column({ name: "source_title", type: "text", nullable: true }) sourceTitle: string | null;
  @Column({ name: "source_url", type: "text", nullable: true }) sourceUrl: string | null;
  @Column({ name: "source_published_at", type: "date", nullable: true }) sourcePublishedAt: string | null;
  @Column({ name: "source_publisher", type: "text", nullable: true }) sourcePublisher: string | null;
  /** The API token that recorded it (null for the seed). */
  @Column({ name: "token_id", type: "varchar", length: 32, nullable: true }) tokenId: string | null;
  @Field({ description: "An admin correction (may move backwards)" }) @Column({ type: "boolean", default: false }) correction: boolean;
}

/** The status_event table: every write of an event goes through it. */
export const STATUS_EVENT = new Table(StatusEvent);

/** A status_event row as selected with `e.*, e.recorded_at::text AS at, e.effective_date::text AS effective_date, e.source_published_at::text AS source_published_at`. */
export interface EventRow {
  id: string;
  platform_id: string;
  from_status: PlatformStatus | null;
  to_status: PlatformStatus;
  effective_date: string;
  recorded_at: Date;
  actor: string;
  note: string | null;
  source_title: string | null;
  source_url: string | null;
  source_published_at: string | null;
  correction: boolean;
  token_id: string | null;
  at: string;
  date_precision?: DatePrecision;
  source_publisher?: string | null;
}

export function rowToEvent(r: EventRow): StatusEvent {
  return Object.assign(new StatusEvent(), {
    id: String(r.id),
    platformId: r.platform_id,
    from: r.from_status,
    to: r.to_status,
    effectiveDate: r.effective_date,
    recordedAt: r.recorded_at,
    actor: r.actor,
    note: r.note,
    sourceTitle: r.source_title,
    sourceUrl: r.source_url,
    sourcePublishedAt: r.source_published_at,
    correction: r.correction,
    tokenId: r.token_id,
    datePrecision: r.date_precision ?? DatePrecision.DAY,
    sourcePublisher: r.source_publisher ?? null,
  });
}
