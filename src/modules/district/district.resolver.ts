import { Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import { District } from "./district.entity";

@Resolver(() => District)
export class DistrictResolver {
  @Query(() => [District], { description: "Guangzhou's 11 districts with platform counts" })
  districts(@Ctx() ctx: Context): Promise<District[]> {
    return ctx.services.districts.list();
  }

  @FieldResolver(() => Int, { description: "Number of platforms in this district" })
  platformCount(@Root() d: District, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.districtCount.load(d.code);
  }
}
