import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, registerEnumType, Resolver } from "type-graphql";
import type { Context } from "../../context";
import { requireViewer } from "../auth/auth";
import { PlatformStatus } from "../platform/platform.enums";
import { CSV_COLUMNS } from "./status-batch.service";

export enum StatusImportOutcome {
  CHANGE = "CHANGE",
  ALREADY_RECORDED = "ALREADY_RECORDED",
  INVALID = "INVALID",
}
registerEnumType(StatusImportOutcome, {
  name: "StatusImportOutcome",
  description: "CHANGE: the row changes the status (recorded unless a dry run or another row has a problem); ALREADY_RECORDED: the same change (platform, status, effective date, source) is in the history, skipped; INVALID: see problems",
});

@ObjectType({ description: "One row of a status spreadsheet" })
class StatusImportRow {
  @Field(() => Int, { description: "Spreadsheet row number; the header is row 1" }) row: number;
  @Field() platformId: string;
  @Field(() => PlatformStatus, { nullable: true }) status: PlatformStatus | null;
  @Field(() => StatusImportOutcome) outcome: StatusImportOutcome;
  @Field(() => PlatformStatus, { nullable: true, description: "The status before this row (CHANGE)" }) from: PlatformStatus | null;
  @Field(() => Int, { nullable: true, description: "The platform's version after this row (CHANGE) or now (ALREADY_RECORDED)" }) version: number | null;
  @Field(() => ID, { nullable: true, description: "The status event written, or the one already recorded" }) eventId: string | null;
}

@ObjectType({ description: "A problem with one cell, row or the header of a status spreadsheet" })
class StatusImportProblem {
  @Field(() => Int, { description: "Spreadsheet row number; the header is row 1" }) row: number;
  @Field(() => String, { nullable: true, description: `The column at fault (${CSV_COLUMNS.join(", ")}, or an unknown column's name); null for the whole row` }) column: string | null;
  @Field({ description: "BAD_USER_INPUT, FORBIDDEN, NOT_FOUND or CONFLICT, as the single change would get" }) code: string;
  @Field() message: string;
  @Field(() => Int, { nullable: true, description: "With CONFLICT: the platform's version now" }) currentVersion: number | null;
}

@ObjectType({ description: "What a status spreadsheet did, or would do" })
class StatusImportResult {
  @Field() dryRun: boolean;
  @Field({ description: "True when every change was recorded (one transaction); false with any problem or in a dry run: nothing was written" }) applied: boolean;
  @Field(() => Int, { description: "Rows that change a status" }) changed: number;
  @Field(() => Int, { description: "Rows already recorded, skipped" }) alreadyRecorded: number;
  @Field(() => [StatusImportRow]) rows: StatusImportRow[];
  @Field(() => [StatusImportProblem], { description: "Every problem, by row and column; empty when the file is good" }) problems: StatusImportProblem[];
}

@Resolver()
export class StatusBatchResolver {
  @Mutation(() => StatusImportResult, {
    description: `Status changes from a CSV spreadsheet (UTF-8, BOM optional; columns ${CSV_COLUMNS.join(", ")}): every row is checked with the rules of updatePlatformStatus (scope per row), then all are recorded in one transaction, or none when any row has a problem. A row already recorded is skipped.`,
  })
  async importStatusUpdates(
    @Arg("csv", () => String) csv: string,
    @Arg("dryRun", () => Boolean, { defaultValue: false }) dryRun: boolean,
    @Ctx() ctx: Context,
  ): Promise<StatusImportResult> {
    const viewer = await requireViewer(ctx.auth);
    return (await ctx.services.statusBatch.importCsv(viewer, csv, { dryRun })) as StatusImportResult;
  }
}
