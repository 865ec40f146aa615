import { Arg, Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../context";
import { Agency } from "./agency/agency.entity";
import { District } from "./district/district.entity";
import { Domain } from "./domain/domain.entity";
import { Target } from "./target/target.entity";

@Resolver()
export class ReferenceResolver {
  @Query(() => [District], { description: "Guangzhou's 11 districts with platform counts" })
  districts(@Ctx() ctx: Context): Promise<District[]> {
    return ctx.services.districts.list();
  }

  @Query(() => [Domain], { description: "Every industry domain (use parent/children for the tree) with platform counts" })
  domains(@Ctx() ctx: Context): Promise<Domain[]> {
    return ctx.services.domains.list();
  }

  @Query(() => [Agency], { description: "Responsible agencies with platform counts" })
  agencies(@Ctx() ctx: Context): Promise<Agency[]> {
    return ctx.services.agencies.list();
  }

  @Query(() => [Target], { description: "The plan's numeric targets, each with the registry's own count where a rule exists" })
  targets(@Arg("year", () => Int, { nullable: true }) year: number | null, @Ctx() ctx: Context): Promise<Target[]> {
    return ctx.services.targets.list(year);
  }
}

@Resolver(() => District)
export class DistrictResolver {
  @FieldResolver(() => Int, { description: "Number of platforms in this district" })
  platformCount(@Root() d: District, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.districtCount.load(d.code);
  }
}

@Resolver(() => Agency)
export class AgencyResolver {
  @FieldResolver(() => Int, { description: "Number of platforms this agency is responsible for" })
  platformCount(@Root() a: Agency, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.agencyCount.load(a.id);
  }
}
