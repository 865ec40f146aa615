import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Info, Int, Query, Resolver, Root } from "type-graphql";
import type { GraphQLResolveInfo } from "graphql";
import { platformSelection } from "./lookahead";
import { IsOptional, Max, Min, ValidateNested } from "class-validator";
import type { Context } from "../../context";
import { Agency } from "../agency/agency.entity";
import { District } from "../district/district.entity";
import { Domain } from "../domain/domain.entity";
import { Mention } from "../source/mention.type";
import { StatusEvent, StatusSource } from "../status/status-event.entity";
import { Location, OverseasPlace, Platform } from "./platform.entity";
import { PlatformName } from "./platform-name.entity";
import { PlatformFilter, PlatformOrder } from "./platform.inputs";
import { MAX_PAGE } from "./platform.service";
import { PlatformConnection, PlatformFacets } from "./platform.types";
import { isoDate } from "./platform.query";
import { SourceSearch } from "../dataset/source-search";
import { GraphQLDate } from "graphql-scalars";

export const AS_OF =
  "A date (YYYY-MM-DD): each platform's status as it stood on that date (its latest status event effective on or before it, else its baseline)";

@ArgsType()
class PlatformsArgs {
  @Field(() => PlatformFilter, { nullable: true }) @IsOptional() @ValidateNested() filter?: PlatformFilter;
  @Field(() => PlatformOrder, { nullable: true, description: "Default: RELEVANCE with search, DISTANCE with near, else NAME" })
  orderBy?: PlatformOrder;
  @Field(() => Int, { nullable: true, description: `Page size, default 20, at most ${MAX_PAGE}` })
  @IsOptional()
  @Min(0)
  @Max(MAX_PAGE)
  first?: number;
  @Field(() => String, { nullable: true }) after?: string;
  @Field(() => Int, { nullable: true, description: `Page size from the end, at most ${MAX_PAGE}` })
  @IsOptional()
  @Min(0)
  @Max(MAX_PAGE)
  last?: number;
  @Field(() => String, { nullable: true }) before?: string;
  @Field(() => GraphQLDate, { nullable: true, description: `${AS_OF}; filter.statuses, facets and totalCount apply to it` })
  asOf?: Date;
}

@Resolver(() => Platform)
export class PlatformResolver {
  @Query(() => Platform, { nullable: true, description: "One platform by id (archived ones too)" })
  platform(
    @Arg("id", () => ID) id: string,
    @Arg("asOf", () => GraphQLDate, { nullable: true, description: AS_OF }) asOf: Date | null,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Platform | null> {
    return ctx.services.platforms.findById(id, platformSelection(info, []), isoDate(asOf));
  }

  @Query(() => PlatformConnection, { description: "Platforms matching a filter, one page at a time" })
  async platforms(@Args() args: PlatformsArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<PlatformConnection> {
    const page = await ctx.services.platforms.page({ ...args, asOf: isoDate(args.asOf) }, platformSelection(info, ["nodes"], ["edges", "node"]));
    return Object.assign(new PlatformConnection(), { ...page, nodes: page.edges.map((e) => e.node) });
  }

  @FieldResolver(() => Location, { nullable: true, description: "WGS-84 point with its precision; null when no honest point exists" })
  location(@Root() p: Platform): Location | null {
    return p.lng === null || p.lat === null || !p.precision ? null : { lng: p.lng, lat: p.lat, precision: p.precision };
  }

  @FieldResolver(() => OverseasPlace, { nullable: true, description: "City and country of an overseas office" })
  overseas(@Root() p: Platform): OverseasPlace | null {
    return p.overseasCity && p.overseasCountry ? { city: p.overseasCity, country: p.overseasCountry } : null;
  }

  @FieldResolver(() => District, { nullable: true, description: "null for a platform spanning districts or overseas" })
  district(@Root() p: Platform, @Ctx() ctx: Context): Promise<District | null> | District | null {
    if (p.prefetched?.district !== undefined) return p.prefetched.district;
    return p.districtCode ? ctx.loaders.district.load(p.districtCode) : null;
  }

  @FieldResolver(() => Platform, { nullable: true, description: "The zone (another platform) it lies inside" })
  zone(@Root() p: Platform, @Ctx() ctx: Context): Promise<Platform | null> | null {
    return p.zoneId ? ctx.loaders.platform.load(p.zoneId) : null;
  }

  @FieldResolver(() => [Platform], { description: "Platforms directly inside this one" })
  children(@Root() p: Platform, @Ctx() ctx: Context): Promise<Platform[]> {
    return ctx.loaders.children.load(p.id);
  }

  @FieldResolver(() => [Domain])
  domains(@Root() p: Platform, @Ctx() ctx: Context): Promise<Domain[]> | Domain[] {
    return p.prefetched?.domains ?? ctx.loaders.domains.load(p.id);
  }

  @FieldResolver(() => [Agency], { description: "Responsible agencies (責任單位), lead first" })
  agencies(@Root() p: Platform, @Ctx() ctx: Context): Promise<Agency[]> | Agency[] {
    return p.prefetched?.agencies ?? ctx.loaders.agencies.load(p.id);
  }

  @FieldResolver(() => [Mention], { description: "Every place the plan names it" })
  mentions(@Root() p: Platform, @Ctx() ctx: Context): Promise<Mention[]> | Mention[] {
    return p.prefetched?.mentions ?? ctx.loaders.mentions.load(p.id);
  }

  @FieldResolver(() => [SourceSearch], { description: "Searches of public sources for its history after the plan that found nothing citable, oldest first" })
  sourceSearches(@Root() p: Platform, @Ctx() ctx: Context): SourceSearch[] {
    return ctx.services.sourceSearches.forPlatform(p.id);
  }

  @FieldResolver(() => [PlatformName], { description: "Names it took after the plan, each with the date it took effect and its source, oldest first" })
  laterNames(@Root() p: Platform, @Ctx() ctx: Context): Promise<PlatformName[]> {
    return ctx.loaders.laterNames.load(p.id);
  }

  @FieldResolver(() => [StatusEvent], { description: "Status changes, newest first" })
  statusHistory(@Root() p: Platform, @Ctx() ctx: Context): Promise<StatusEvent[]> | StatusEvent[] {
    return p.prefetched?.statusHistory ?? ctx.loaders.statusHistory.load(p.id);
  }
}

@Resolver(() => StatusEvent)
export class StatusEventResolver {
  @FieldResolver(() => StatusSource, { nullable: true })
  source(@Root() e: StatusEvent): StatusSource | null {
    return e.sourceTitle ? { title: e.sourceTitle, url: e.sourceUrl, publishedAt: e.sourcePublishedAt, publisher: e.sourcePublisher } : null;
  }
}

@Resolver(() => PlatformConnection)
export class PlatformConnectionResolver {
  @FieldResolver(() => Int, { description: "Number of platforms matching the filter (all pages)" })
  totalCount(@Root() c: PlatformConnection, @Ctx() ctx: Context): Promise<number> {
    return ctx.services.platforms.count(c.query);
  }

  @FieldResolver(() => PlatformFacets)
  facets(@Root() c: PlatformConnection, @Ctx() ctx: Context): Promise<PlatformFacets> {
    return ctx.services.platforms.facets(c.query);
  }
}
