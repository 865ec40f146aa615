/**
 * Status changes: the lifecycle, scope, optimistic concurrency and the audit trail, each write
 * one transaction (the platform row, its status event and the notification commit together).
 */
import { checkVersion, col, lockPlatform, PLATFORM, type LockedPlatform } from "../platform/platform.store";
import { isValidDate, todayInGuangzhou } from "../../dates";
import { decodeCursor, encodeCursor } from "../../db/cursor";
import type { DataSource, EntityManager } from "typeorm";
import { AppError, badInput, ErrorCode, isDatabaseUnavailable } from "../../errors";
import type { Platform } from "../platform/platform.entity";
import { PlatformService } from "../platform/platform.service";
import type { Viewer } from "../auth/token.service";
import { STATUS_CHANNEL } from "../../db/change-bus";
import { inScope } from "../auth/scope";
import { isAllowedTransition } from "./lifecycle";
import { markWrite, returnedRows, type Queryable } from "../../db/reader";
import type { Change } from "../../reads";
import { rowToEvent, STATUS_EVENT, type EventRow, type StatusEvent } from "./status-event.entity";
import type { UpdatePlatformStatusInput } from "./status.inputs";

/** An editor's scope (src/modules/auth/scope.ts): one of its grants applies to the platform. */
export { inScope } from "../auth/scope";

/**
 * The rules that need no database: real dates not in the future, a source unless a correction, and
 * corrections for admins only. BAD_USER_INPUT names the field. Every writer of status (the API, a
 * batch from a spreadsheet) runs these and applyStatusChange: one set of rules.
 */
export function checkStatusInput(viewer: Viewer, input: UpdatePlatformStatusInput): void {
  if (!isValidDate(input.effectiveDate)) throw badInput("effectiveDate is not a real date", { field: "effectiveDate" });
  if (input.effectiveDate > todayInGuangzhou()) throw badInput("effectiveDate is in the future", { field: "effectiveDate" });
  if (input.source?.publishedAt && (!isValidDate(input.source.publishedAt) || input.source.publishedAt > todayInGuangzhou())) {
    throw badInput("source.publishedAt must be a real date, not in the future", { field: "source.publishedAt" });
  }
  if (input.correction && viewer.role !== "ADMIN") throw new AppError(ErrorCode.FORBIDDEN, "only an admin may record a correction");
  if (!input.correction && !input.source) throw badInput("a status change needs a source (title, and url or publishedAt where known)", { field: "source" });
}

/**
 * Inside the caller's transaction: locks the platform, checks scope, archive, version and the
 * lifecycle, then appends the status event, bumps the version and announces the change (delivered
 * on commit). Checks come before any write, so a refused change leaves the transaction usable.
 */
export async function applyStatusChange(
  m: EntityManager,
  viewer: Viewer,
  input: UpdatePlatformStatusInput,
  locked?: LockedPlatform,
): Promise<{ platformId: string; eventId: string; version: number }> {
  const p = locked ?? (await lockPlatform(m, input.id));
  if (!inScope(viewer, p)) throw new AppError(ErrorCode.FORBIDDEN, `platform ${p.id} is outside this token's scope`, { id: p.id });
  if (p.archivedAt) throw badInput(`platform ${p.id} is archived`, { id: p.id });
  checkVersion(p, input.expectedVersion);
  if (p.status === input.status) throw badInput(`platform ${p.id} is already ${p.status}`, { field: "status" });
  if (!input.correction && !isAllowedTransition(p.status, input.status)) {
    throw badInput(`${p.status} → ${input.status} is not a lifecycle step; an admin may record it as a correction`, {
      field: "status",
      from: p.status,
      to: input.status,
    });
  }
  // A platform's status is its latest event by effective date: a change dated before that event could not be the status.
  const latest = p.latestEffective;
  if (latest && input.effectiveDate < latest) {
    throw badInput(`platform ${p.id}'s latest status event took effect on ${latest}; a change cannot take effect before it`, {
      field: "effectiveDate",
      latest,
    });
  }
  const [updated] = returnedRows<{ version: number }>(
    await m.query(
      `UPDATE platform SET ${col.status} = $2, ${col.version} = ${col.version} + 1, ${col.updatedAt} = now() WHERE id = $1 RETURNING ${col.version} AS version`,
      [p.id, input.status],
    ),
  );
  const event = (await STATUS_EVENT.insert(
    m,
    {
      platformId: p.id,
      from: p.status,
      to: input.status,
      effectiveDate: input.effectiveDate,
      actor: viewer.name,
      note: input.note ?? null,
      sourceTitle: input.source?.title ?? null,
      sourceUrl: input.source?.url ?? null,
      sourcePublishedAt: input.source?.publishedAt ?? null,
      correction: input.correction,
      tokenId: viewer.tokenId,
    },
    ["id"],
  ))!;
  // Delivered to listeners when (and only if) the transaction commits.
  await m.query(`SELECT pg_notify($1, $2)`, [STATUS_CHANNEL, JSON.stringify({ eventId: String(event.id), platformId: p.id })]);
  return { platformId: p.id, eventId: String(event.id), version: updated.version };
}

/**
 * What applyStatusChange changes, as the database's triggers announce it (migration ChangeDetail):
 * three columns of the platform's row and a new status event. tests/http/cache-reads.test.ts holds
 * this against the notices the triggers send.
 */
export function statusChangeTouches(platformId: string): Change[] {
  const changed: Array<keyof Platform> = ["status", "version", "updatedAt"];
  return [
    { table: PLATFORM.name, platforms: [platformId], columns: changed.map((p) => PLATFORM.column(p).name) },
    { table: STATUS_EVENT.name, platforms: [platformId], columns: null },
  ];
}

/** A change whose COMMIT got no answer: it may or may not be recorded; the event id tells which. */
function outcomeUnknown(w: { platformId: string; eventId: string; version: number }, expectedVersion: number): AppError {
  return new AppError(
    ErrorCode.OUTCOME_UNKNOWN,
    `the connection to the database was lost while this change was being committed, so it may or may not be recorded. ` +
      `Do not send it again as it is: look for status event ${w.eventId} (platform ${w.platformId} at version ${w.version} if it was recorded, ${expectedVersion} if not)`,
    { eventId: w.eventId, platformId: w.platformId, versionIfRecorded: w.version, versionIfNot: expectedVersion },
  );
}

export class StatusService {
  constructor(
    private readonly ds: DataSource,
    /** reads that may go to a replica (see db/reader.ts) */
    private readonly reader: Queryable = ds,
  ) {}

  /**
   * Moves a platform to a new status: appends a status event, bumps the version and announces
   * the change, in one transaction. Rules: a non-correction change follows the lifecycle and
   * cites a source; a correction is an admin's and may move backwards; the effective date is not
   * in the future; a stale expectedVersion gets CONFLICT.
   *
   * The platform answered is read inside the transaction that wrote it, so a committed change is
   * never answered with an error from a later read. A connection lost while COMMIT was under way
   * leaves the outcome unknown: OUTCOME_UNKNOWN names the status event to look for, since a retry
   * of a change that did commit would only meet CONFLICT.
   */
  async updateStatus(viewer: Viewer, input: UpdatePlatformStatusInput): Promise<{ platformId: string; eventId: string; version: number; platform: Platform }> {
    checkStatusInput(viewer, input);
    let written: { platformId: string; eventId: string; version: number } | undefined;
    try {
      const r = await this.ds.transaction(async (m) => {
        const change = await applyStatusChange(m, viewer, input);
        const platform = await new PlatformService(m).findById(change.platformId);
        written = change;
        return { ...change, platform: platform! };
      });
      markWrite(statusChangeTouches(r.platformId));
      return r;
    } catch (err) {
      // every statement ran; only COMMIT's answer is missing
      if (written && isDatabaseUnavailable(err)) throw outcomeUnknown(written, input.expectedVersion);
      throw err;
    }
  }

  async eventById(id: string): Promise<StatusEvent | null> {
    const rows: EventRow[] = await this.reader.query(
      `SELECT e.*, e.recorded_at::text AS at, e.effective_date::text AS effective_date, e.source_published_at::text AS source_published_at FROM status_event e WHERE e.id = $1`,
      [id],
    );
    return rows[0] ? rowToEvent(rows[0]) : null;
  }

  /**
   * Status events across all platforms recorded at or after `since`, oldest first, keyset-paged
   * by (recordedAt, id): for clients that poll.
   */
  async changes(since: Date, first: number, after: string | null): Promise<{ edges: Array<{ cursor: string; node: StatusEvent }>; hasNextPage: boolean }> {
    const params: unknown[] = [since, first + 1];
    let cond = "";
    if (after) {
      const [at, id] = decodeCursor(after, "changes", ["timestamptz", "bigint"], "after", "a cursor of changes");
      params.push(at, id);
      cond = "AND (e.recorded_at, e.id) > ($3::timestamptz, $4::bigint)";
    }
    const rows: EventRow[] = await this.reader.query(
      `SELECT e.*, e.recorded_at::text AS at, e.effective_date::text AS effective_date, e.source_published_at::text AS source_published_at FROM status_event e WHERE e.recorded_at >= $1 ${cond}
       ORDER BY e.recorded_at, e.id LIMIT $2`,
      params,
    );
    return {
      edges: rows.slice(0, first).map((r) => ({ cursor: encodeCursor("changes", [r.at, String(r.id)]), node: rowToEvent(r) })),
      hasNextPage: rows.length > first,
    };
  }
}
