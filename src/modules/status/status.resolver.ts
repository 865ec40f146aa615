import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, Int, Mutation, ObjectType, Query, Resolver, Root, Subscription } from "type-graphql";
import { IsOptional, Max, Min, ValidateNested } from "class-validator";
import { GraphQLDateTime } from "graphql-scalars";
import type { Context } from "../../context";
import { requireViewer } from "../auth/auth";
import { Platform } from "../platform/platform.entity";
import { PlatformFilter } from "../platform/platform.inputs";
import { compileFilter } from "../platform/platform.query";
import { StatusEvent } from "./status-event.entity";
import { UpdatePlatformStatusInput } from "./status.inputs";
import { allowedTransitions } from "./lifecycle";
import { PlatformStatus } from "../platform/platform.enums";

@ObjectType({ simpleResolvers: true })
class StatusEventEdge {
  @Field() cursor: string;
  @Field(() => StatusEvent) node: StatusEvent;
}

@ObjectType({ simpleResolvers: true })
class ChangesPageInfo {
  @Field() hasNextPage: boolean;
  @Field(() => String, { nullable: true }) endCursor: string | null;
}

@ObjectType({ simpleResolvers: true, description: "Status events across all platforms, oldest first" })
class StatusEventConnection {
  @Field(() => [StatusEventEdge]) edges: StatusEventEdge[];
  @Field(() => [StatusEvent]) nodes: StatusEvent[];
  @Field(() => ChangesPageInfo) pageInfo: ChangesPageInfo;
}

@ObjectType({ simpleResolvers: true, description: "A status change as it happens" })
class StatusChange {
  @Field(() => StatusEvent) event: StatusEvent;
  @Field(() => Platform) platform: Platform;
}

@ObjectType({ simpleResolvers: true, description: "A normal lifecycle step (anything else is an admin correction)" })
class StatusTransition {
  @Field(() => PlatformStatus) from: PlatformStatus;
  @Field(() => [PlatformStatus]) to: PlatformStatus[];
}

@ArgsType()
class ChangesArgs {
  @Field(() => GraphQLDateTime, { description: "Events recorded at or after this instant" }) since: Date;
  @Field(() => Int, { defaultValue: 20, description: "At most 100" }) @Min(1) @Max(100) first: number;
  @Field(() => String, { nullable: true }) after?: string | null;
}

@ArgsType()
class SubscriptionArgs {
  @Field(() => PlatformFilter, { nullable: true, description: "Only changes of platforms matching this filter (after the change)" })
  @IsOptional()
  @ValidateNested()
  filter?: PlatformFilter | null;
}

@Resolver(() => StatusEvent)
export class StatusResolver {
  @Mutation(() => Platform, {
    description: "Record a status change (editor in scope, or admin): appends a status event and bumps version, in one transaction",
  })
  async updatePlatformStatus(@Arg("input", () => UpdatePlatformStatusInput) input: UpdatePlatformStatusInput, @Ctx() ctx: Context): Promise<Platform> {
    const viewer = await requireViewer(ctx.auth);
    // the platform as the transaction that wrote it left it: no second read after the commit
    return (await ctx.services.status.updateStatus(viewer, input)).platform;
  }

  @Query(() => StatusEventConnection, { description: "Status events across all platforms since an instant, for clients that poll" })
  async changes(@Args() { since, first, after }: ChangesArgs, @Ctx() ctx: Context): Promise<StatusEventConnection> {
    const { edges, hasNextPage } = await ctx.services.status.changes(since, first, after ?? null);
    return { edges, nodes: edges.map((e) => e.node), pageInfo: { hasNextPage, endCursor: edges[edges.length - 1]?.cursor ?? null } };
  }

  @Query(() => [StatusTransition], { description: "The lifecycle: which status may follow which without a correction" })
  statusTransitions(): StatusTransition[] {
    return allowedTransitions();
  }

  @FieldResolver(() => Platform, { description: "The platform whose status changed" })
  async platform(@Root() e: StatusEvent, @Ctx() ctx: Context): Promise<Platform> {
    return (await ctx.loaders.platform.load(e.platformId))!;
  }

  @Subscription(() => StatusChange, {
    description: "Status changes as they are recorded, on any server instance (graphql-ws, same path as queries)",
    subscribe: ({ args, context }) => changesFor(context as Context, (args as SubscriptionArgs).filter ?? null),
  })
  platformStatusChanged(@Root() change: StatusChange, @Args() _args: SubscriptionArgs): StatusChange {
    return change;
  }
}

/** The notices the hub hears, narrowed to the filter, as loaded StatusChange payloads. */
async function* changesFor(ctx: Context, filter: PlatformFilter | null): AsyncGenerator<StatusChange> {
  const compiled = compileFilter(filter, (await ctx.services.search.read(filter))?.terms); // a bad filter fails the subscription at once
  const notices = ctx.services.hub.iterate();
  try {
    for await (const n of notices) {
      if (!(await ctx.services.platforms.matches(compiled, n.platformId))) continue;
      const [event, platform] = await Promise.all([ctx.services.status.eventById(n.eventId), ctx.services.platforms.findById(n.platformId)]);
      if (!event || !platform) continue;
      ctx.renewLoaders(); // each event is read afresh
      yield { event, platform };
    }
  } finally {
    await notices.return?.();
  }
}
