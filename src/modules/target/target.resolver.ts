import { Arg, Ctx, FieldResolver, ID, Int, Query, Resolver, Root } from "type-graphql";
import { GraphQLDate } from "graphql-scalars";
import type { Context } from "../../context";
import { isoDate } from "../platform/platform.query";
import { SourceSearch } from "../dataset/source-search";
import { Target } from "./target.entity";

const AS_OF = "A date (YYYY-MM-DD): count the registry's platforms with their status on that date";

@Resolver(() => Target)
export class TargetResolver {
  @Query(() => [Target], {
    description: "The plan's numeric targets, each with the figures the city published and the registry's own count where a rule exists",
  })
  targets(
    @Arg("year", () => Int, { nullable: true }) year: number | null,
    @Arg("asOf", () => GraphQLDate, { nullable: true, description: AS_OF }) asOf: Date | null,
    @Ctx() ctx: Context,
  ): Promise<Target[]> {
    return ctx.services.targets.list(year, isoDate(asOf));
  }

  @Query(() => Target, { nullable: true, description: "One target by id (an id it had before merged duplicates resolves too)" })
  target(
    @Arg("id", () => ID) id: string,
    @Arg("asOf", () => GraphQLDate, { nullable: true, description: AS_OF }) asOf: Date | null,
    @Ctx() ctx: Context,
  ): Promise<Target | null> {
    return ctx.services.targets.byId(id, isoDate(asOf));
  }

  @FieldResolver(() => [SourceSearch], { description: "Searches of public sources for a reported figure that found nothing citable, oldest first" })
  sourceSearches(@Root() t: Target, @Ctx() ctx: Context): SourceSearch[] {
    return ctx.services.sourceSearches.forTarget(t.id);
  }
}
