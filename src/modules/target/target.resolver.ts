import { Arg, Ctx, Int, Query, Resolver } from "type-graphql";
import type { Context } from "../../context";
import { Target } from "./target.entity";

@Resolver(() => Target)
export class TargetResolver {
  @Query(() => [Target], { description: "The plan's numeric targets, each with the registry's own count where a rule exists" })
  targets(@Arg("year", () => Int, { nullable: true }) year: number | null, @Ctx() ctx: Context): Promise<Target[]> {
    return ctx.services.targets.list(year);
  }
}
