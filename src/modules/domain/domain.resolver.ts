import { Ctx, FieldResolver, Int, Query, Resolver, Root } from "type-graphql";
import type { Context } from "../../context";
import { Domain } from "./domain.entity";

/** Tree navigation over the (small) domain table, read once per request. */
@Resolver(() => Domain)
export class DomainResolver {
  @Query(() => [Domain], { description: "Every industry domain (use parent/children for the tree) with platform counts" })
  domains(@Ctx() ctx: Context): Promise<Domain[]> {
    return ctx.services.domains.list();
  }

  @FieldResolver(() => Int, { description: "Platforms tagged with this domain or any domain under it" })
  platformCount(@Root() d: Domain, @Ctx() ctx: Context): Promise<number> {
    return ctx.loaders.domainCount.load(d.id);
  }

  @FieldResolver(() => Domain, { nullable: true })
  async parent(@Root() d: Domain, @Ctx() ctx: Context): Promise<Domain | null> {
    return d.parentId ? ((await ctx.loaders.allDomains()).get(d.parentId) ?? null) : null;
  }

  @FieldResolver(() => [Domain], { description: "Tree children" })
  async children(@Root() d: Domain, @Ctx() ctx: Context): Promise<Domain[]> {
    return [...(await ctx.loaders.allDomains()).values()].filter((c) => c.parentId === d.id);
  }

  @FieldResolver(() => [Domain], { description: "Group nodes this domain also belongs to (IAB, NEM, clusters, ...)" })
  async groups(@Root() d: Domain, @Ctx() ctx: Context): Promise<Domain[]> {
    const all = await ctx.loaders.allDomains();
    return d.alsoIn.map((id) => all.get(id)).filter((x): x is Domain => !!x);
  }

  @FieldResolver(() => [Domain], { description: "For a group node: its members from other branches" })
  async members(@Root() d: Domain, @Ctx() ctx: Context): Promise<Domain[]> {
    return [...(await ctx.loaders.allDomains()).values()].filter((c) => c.alsoIn.includes(d.id));
  }
}
