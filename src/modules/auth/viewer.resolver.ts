import { Ctx, Field, ID, ObjectType, Query, Resolver, registerEnumType } from "type-graphql";
import type { Context } from "../../context";
import { requireViewer } from "./auth";

export enum ViewerRole {
  ADMIN = "ADMIN",
  EDITOR = "EDITOR",
}
registerEnumType(ViewerRole, { name: "ViewerRole", description: "ADMIN may do everything; EDITOR changes status within its scope" });

@ObjectType({ description: "Where an editor may change status: platforms one of these agencies is responsible for, or in one of these districts" })
class ViewerScope {
  @Field(() => [ID], { description: "Agency ids" }) agencies: string[];
  @Field(() => [String], { description: "GB/T 2260 district codes" }) districts: string[];
}

@ObjectType({ description: "The holder of the API token sent with the request" })
class ViewerInfo {
  @Field(() => ID, { description: "The token's id (not the token)" }) tokenId: string;
  @Field({ description: "The token's name, recorded as the actor of its changes" }) name: string;
  @Field(() => ViewerRole) role: ViewerRole;
  @Field(() => ViewerScope, { description: "An editor's scope; an admin's lists are empty (everything is in scope)" }) scope: ViewerScope;
}

@Resolver()
export class ViewerResolver {
  @Query(() => ViewerInfo, {
    nullable: true,
    description: "Who the request's token stands for; null without a token. A malformed, unknown or revoked token gets UNAUTHENTICATED",
  })
  async viewer(@Ctx() ctx: Context): Promise<ViewerInfo | null> {
    if (!ctx.auth.presented) return null;
    const v = await requireViewer(ctx.auth);
    return { tokenId: v.tokenId, name: v.name, role: v.role as ViewerRole, scope: { agencies: v.agencies, districts: v.districts } };
  }
}
