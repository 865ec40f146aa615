import { Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import { Agency } from "./agency.entity";

@Resolver(() => Agency)
export class AgencyResolver {
  @Query(() => [Agency], { description: "Responsible agencies with platform counts" })
  agencies(@Ctx() ctx: Context): Promise<Agency[]> {
    return ctx.services.agencies.list();
  }

  @FieldResolver(() => Int, { description: "Number of platforms this agency is responsible for" })
  platformCount(@Root() a: Agency, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.agencyCount.load(a.id);
  }
}
