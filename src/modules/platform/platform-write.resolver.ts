import { Arg, Ctx, ID, Int, Mutation, Resolver } from "type-graphql";
import type { Context } from "../../context";
import { requireViewer } from "../auth/auth";
import { Platform } from "./platform.entity";
import { CreatePlatformInput, UpdatePlatformInput } from "./platform-write.inputs";

/** Admin writes to the catalogue. Status changes have their own mutation (updatePlatformStatus). */
@Resolver(() => Platform)
export class PlatformWriteResolver {
  @Mutation(() => Platform, { description: "Add a platform the plan names (admin); it must cite the plan verbatim" })
  async createPlatform(@Arg("input", () => CreatePlatformInput) input: CreatePlatformInput, @Ctx() ctx: Context): Promise<Platform> {
    const id = await ctx.services.writes.create(await requireViewer(ctx.auth), input);
    return (await ctx.services.platforms.findById(id))!;
  }

  @Mutation(() => Platform, { description: "Change names, kind, level, location, domains, agencies or zone (admin)" })
  async updatePlatform(@Arg("input", () => UpdatePlatformInput) input: UpdatePlatformInput, @Ctx() ctx: Context): Promise<Platform> {
    const id = await ctx.services.writes.update(await requireViewer(ctx.auth), input);
    return (await ctx.services.platforms.findById(id))!;
  }

  @Mutation(() => Platform, { description: "Archive a platform (admin): left out of queries unless includeArchived; its id stays valid" })
  async archivePlatform(@Arg("id", () => ID) id: string, @Arg("expectedVersion", () => Int) expectedVersion: number, @Ctx() ctx: Context): Promise<Platform> {
    await ctx.services.writes.archive(await requireViewer(ctx.auth), id, expectedVersion);
    return (await ctx.services.platforms.findById(id))!;
  }
}
