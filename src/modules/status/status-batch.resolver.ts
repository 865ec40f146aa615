import { AppError, ErrorCode } from "../../errors";
import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, registerEnumType, Resolver } from "type-graphql";
import type { Context } from "../../context";
import { requireViewer } from "../auth/auth";
import { PlatformStatus } from "../platform/platform.enums";
import { CSV_COLUMNS, MAX_ROWS } from "./status-batch.service";

export enum StatusImportOutcome {
  CHANGE = "CHANGE",
  ALREADY_RECORDED = "ALREADY_RECORDED",
  INVALID = "INVALID",
}
registerEnumType(StatusImportOutcome, {
  name: "StatusImportOutcome",
  description:
    "CHANGE: the row changes the status (recorded unless a dry run or another row has a problem); ALREADY_RECORDED: the same change (platform, status, effective date, source) is in the history, skipped; INVALID: see problems",
});

@ObjectType({ simpleResolvers: true, description: "One row of a status spreadsheet" })
class StatusImportRow {
  @Field(() => Int, { description: "Spreadsheet row number; the header is row 1" }) row: number;
  @Field() platformId: string;
  @Field(() => PlatformStatus, { nullable: true }) status: PlatformStatus | null;
  @Field(() => StatusImportOutcome) outcome: StatusImportOutcome;
  @Field(() => PlatformStatus, { nullable: true, description: "The status before this row (CHANGE)" }) from: PlatformStatus | null;
  @Field(() => Int, { nullable: true, description: "The platform's version after this row (CHANGE) or now (ALREADY_RECORDED)" }) version: number | null;
  @Field(() => ID, { nullable: true, description: "The status event written, or the one recorded before (never one only a dry run wrote)" }) eventId:
    string | null;
  @Field(() => String, { nullable: true, description: "The effective date as read (YYYY-MM-DD once understood)" }) effectiveDate: string | null;
  @Field(() => String, { nullable: true, description: "The note as read: a wrong encoding shows here" }) note: string | null;
  @Field(() => String, { nullable: true, description: "The source title as read: a wrong encoding shows here" }) sourceTitle: string | null;
}

@ObjectType({ simpleResolvers: true, description: "A problem with one cell, row or the header of a status spreadsheet" })
class StatusImportProblem {
  @Field(() => Int, { description: "Spreadsheet row number; the header is row 1" }) row: number;
  @Field(() => String, { nullable: true, description: `The column at fault (${CSV_COLUMNS.join(", ")}, or an unknown column's name); null for the whole row` })
  column: string | null;
  @Field({ description: "BAD_USER_INPUT, FORBIDDEN, NOT_FOUND or CONFLICT, as the single change would get" }) code: string;
  @Field() message: string;
  @Field(() => Int, { nullable: true, description: "With CONFLICT: the platform's version now" }) currentVersion: number | null;
}

@ObjectType({ simpleResolvers: true, description: "What a status spreadsheet did, or would do" })
class StatusImportResult {
  @Field() dryRun: boolean;
  @Field({ description: "True when every change was recorded (one transaction); false with any problem or in a dry run: nothing was written" })
  applied: boolean;
  @Field(() => Int, { description: "Rows that change a status" }) changed: number;
  @Field(() => Int, { description: "Rows already recorded, skipped" }) alreadyRecorded: number;
  @Field(() => Int, { description: "Rows that ask for no change (the change columns left empty, as the pre-filled sheet comes), skipped" }) unchanged: number;
  @Field({ description: 'What was read: "xlsx", "csv (UTF-8)", "csv (GB18030)", "csv (UTF-16LE)"...' }) format: string;
  @Field({ description: "SHA-256 (hex) of the content read; pass it as expectedHash to record exactly the content previewed" }) contentHash: string;
  @Field(() => [StatusImportRow]) rows: StatusImportRow[];
  @Field(() => [StatusImportProblem], { description: "Every problem, by row and column; empty when the file is good" }) problems: StatusImportProblem[];
}

@Resolver()
export class StatusBatchResolver {
  @Mutation(() => StatusImportResult, {
    description: `Status changes from a spreadsheet, given as \`csv\` (text) or \`file\` (the file's bytes in base64: CSV in UTF-8, UTF-16 with a byte-order mark or GB18030/GBK, or .xlsx). Columns ${CSV_COLUMNS.join(", ")} (or the template's labels); at most ${MAX_ROWS} rows. Every row is checked with the rules of updatePlatformStatus (scope per row) and every problem reported, then all are recorded in one transaction, or none when any row has a problem. A row already recorded is skipped.`,
  })
  async importStatusUpdates(
    @Arg("csv", () => String, { nullable: true, description: "The spreadsheet as CSV text" }) csv: string | null,
    @Arg("dryRun", () => Boolean, { defaultValue: false }) dryRun: boolean,
    @Ctx() ctx: Context,
    @Arg("file", () => String, { nullable: true, description: "The spreadsheet file's bytes, base64" }) file?: string | null,
    @Arg("expectedHash", () => String, { nullable: true, description: "The contentHash of the preview: a different content gets CONFLICT and nothing is done" })
    expectedHash?: string | null,
  ): Promise<StatusImportResult> {
    const viewer = await requireViewer(ctx.auth);
    if ((csv == null) === (file == null))
      throw new AppError(ErrorCode.BAD_USER_INPUT, "give the spreadsheet as csv (text) or as file (base64), one of the two");
    const opts = { dryRun, expectedHash };
    if (csv != null) return (await ctx.services.statusBatch.importCsv(viewer, csv, opts)) as StatusImportResult;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(file!)) throw new AppError(ErrorCode.BAD_USER_INPUT, "file must be the file's bytes in base64", { field: "file" });
    return (await ctx.services.statusBatch.importFile(viewer, Buffer.from(file!, "base64"), opts)) as StatusImportResult;
  }
}
