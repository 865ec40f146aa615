import { Ctx, Field, FieldResolver, ID, Int, ObjectType, Query, Resolver, Root, registerEnumType } from "type-graphql";
import type { Context } from "../../context";
import { requireViewer } from "./auth";
import type { ScopeReach, Viewer } from "./token.service";

export enum ViewerRole {
  ADMIN = "ADMIN",
  EDITOR = "EDITOR",
}
registerEnumType(ViewerRole, { name: "ViewerRole", description: "ADMIN may do everything; EDITOR changes status within its scope" });

@ObjectType({
  simpleResolvers: true,
  description: "Where an editor may act: an agency (all its platforms), a district (all platforms in it), or both (the agency's platforms in that district)",
})
class TokenGrant {
  @Field(() => ID, { nullable: true, description: "The agency; null: any agency" }) agencyId: string | null;
  @Field(() => String, { nullable: true, description: "The GB/T 2260 district code; null: any district" }) districtCode: string | null;
}

@ObjectType({ simpleResolvers: true, description: "How many platforms a token may change in one district" })
class ScopeDistrictCount {
  @Field(() => String, {
    nullable: true,
    description: "GB/T 2260 district code; null for platforms with no district (overseas offices, city-wide designations)",
  })
  districtCode: string | null;
  @Field(() => Int) count: number;
}

@ObjectType({ simpleResolvers: true, description: "Where the token may change status: where any of its grants applies (an admin: everywhere)" })
class ViewerScope {
  @Field(() => [TokenGrant], { description: "An editor's grants; empty for an admin" }) grants: TokenGrant[];
  @Field(() => [ID], { description: "Agencies granted whole (grants with an agency and no district)" }) agencies: string[];
  @Field(() => [String], { description: "Districts granted whole (grants with a district and no agency)" }) districts: string[];
  /** the viewer, for the counts (not a field) */
  viewer: Viewer;
  /** the counts, read once per request however many fields ask */
  reach?: Promise<ScopeReach>;
}

@ObjectType({ simpleResolvers: true, description: "The holder of the API token sent with the request" })
class ViewerInfo {
  @Field(() => ID, { description: "The token's id (not the token)" }) tokenId: string;
  @Field({ description: "The token's name, recorded as the actor of its changes" }) name: string;
  @Field(() => ViewerRole) role: ViewerRole;
  @Field(() => Date, { nullable: true, description: "When the token stops being valid; null: it does not expire" }) expiresAt: Date | null;
  @Field(() => ViewerScope) scope: ViewerScope;
}

@Resolver(() => ViewerScope)
export class ViewerScopeResolver {
  @FieldResolver(() => Int, { description: "How many platforms (not archived) the token may change" })
  async platformCount(@Root() scope: ViewerScope, @Ctx() ctx: Context): Promise<number> {
    return (await (scope.reach ??= ctx.services.tokens.reach(scope.viewer))).platformCount;
  }

  @FieldResolver(() => [ScopeDistrictCount], { description: "Those platforms per district, by district code (platforms with no district last)" })
  async platformsByDistrict(@Root() scope: ViewerScope, @Ctx() ctx: Context): Promise<ScopeDistrictCount[]> {
    return (await (scope.reach ??= ctx.services.tokens.reach(scope.viewer))).byDistrict;
  }
}

@Resolver()
export class ViewerResolver {
  @Query(() => ViewerInfo, {
    nullable: true,
    description: "Who the request's token stands for; null without a token. A malformed, unknown, revoked, expired or rotated-away token gets UNAUTHENTICATED",
  })
  async viewer(@Ctx() ctx: Context): Promise<ViewerInfo | null> {
    if (!ctx.auth.presented) return null;
    const v = await requireViewer(ctx.auth);
    return {
      tokenId: v.tokenId,
      name: v.name,
      role: v.role as ViewerRole,
      expiresAt: v.expiresAt,
      scope: {
        viewer: v,
        grants: v.grants.map((g) => ({ agencyId: g.agency, districtCode: g.district })),
        agencies: v.grants.filter((g) => g.agency && !g.district).map((g) => g.agency!),
        districts: v.grants.filter((g) => g.district && !g.agency).map((g) => g.district!),
      },
    };
  }
}
