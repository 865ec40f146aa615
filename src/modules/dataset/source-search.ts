/**
 * The searches of public sources that found nothing citable (seeds/data/history/searched.json):
 * a platform whose history stops at the plan's date, or a target with no reported figure, says so,
 * with when and how it was searched. They belong to the data set, not to the database: read from the
 * data set's file once, the first time a query asks.
 */
import fs from "node:fs";
import path from "node:path";
import { Field, ObjectType } from "type-graphql";
import { repoRoot } from "../../paths";

@ObjectType({ simpleResolvers: true, description: "A search of public sources for a record's later history or reported figure that found nothing citable" })
export class SourceSearch {
  @Field({ description: "ISO date of the search" }) searchedOn: string;
  @Field(() => [String], { description: "What was searched for" }) queries: string[];
  @Field({ description: "What the search found, or why nothing found could be cited" }) result: string;
}

interface SearchRecord {
  platform?: string;
  target?: string;
  searchedOn: string;
  queries: string[];
  result: string;
}

export class SourceSearchService {
  private read?: { platform: Map<string, SourceSearch[]>; target: Map<string, SourceSearch[]> };

  constructor(private readonly file = path.join(repoRoot(), "seeds", "data", "history", "searched.json")) {}

  /** The searches for a platform's history after the plan, oldest first. */
  forPlatform(id: string): SourceSearch[] {
    return this.all().platform.get(id) ?? [];
  }

  /** The searches for a target's reported figure, oldest first. */
  forTarget(id: string): SourceSearch[] {
    return this.all().target.get(id) ?? [];
  }

  private all(): NonNullable<SourceSearchService["read"]> {
    if (this.read) return this.read;
    const records: SearchRecord[] = fs.existsSync(this.file) ? JSON.parse(fs.readFileSync(this.file, "utf8")) : [];
    const read = { platform: new Map<string, SourceSearch[]>(), target: new Map<string, SourceSearch[]>() };
    for (const r of [...records].sort((a, b) => (a.searchedOn < b.searchedOn ? -1 : a.searchedOn > b.searchedOn ? 1 : 0))) {
      const [map, key] = r.platform !== undefined ? [read.platform, r.platform] : [read.target, r.target!];
      const search = Object.assign(new SourceSearch(), { searchedOn: r.searchedOn, queries: r.queries, result: r.result });
      map.set(key, [...(map.get(key) ?? []), search]);
    }
    return (this.read = read);
  }
}
