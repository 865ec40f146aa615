import type { MigrationInterface, QueryRunner } from "typeorm";

/**
 * The search index without GIN's pending list. With `fastupdate` on (PostgreSQL's default), every
 * non-HOT update of a platform (a status change updates `status` and `updated_at`, both indexed)
 * appends the row's grams to the index's pending list, and every search reads that whole list
 * until a vacuum merges it: after a burst of status writes on 1,000 platforms, a name search ran
 * at a third of its speed. A registry is read far more than written:
 * each write now merges its grams into the index itself, and searches never scan a list.
 */
export class SearchIndexNoPendingList1764500000000 implements MigrationInterface {
  name = "SearchIndexNoPendingList1764500000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER INDEX platform_grams_idx SET (fastupdate = off)`);
    // turning it off does not merge what is already pending
    await q.query(`SELECT gin_clean_pending_list('platform_grams_idx'::regclass)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER INDEX platform_grams_idx RESET (fastupdate)`);
  }
}
