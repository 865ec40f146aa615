import { Field, Int, ObjectType } from "type-graphql";
import { Platform } from "./platform.entity";
import type { CompiledFilter } from "./platform.query";
import { SearchInterpretation } from "./search-interpretation";

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field() hasNextPage: boolean;
  @Field() hasPreviousPage: boolean;
  @Field(() => String, { nullable: true }) startCursor: string | null;
  @Field(() => String, { nullable: true }) endCursor: string | null;
}

@ObjectType({ simpleResolvers: true })
export class PlatformEdge {
  @Field() cursor: string;
  @Field(() => Platform) node: Platform;
}

@ObjectType({ simpleResolvers: true, description: "How many platforms match, for one value of a dimension" })
export class FacetCount {
  @Field(() => String, { nullable: true, description: "The value (kind, status, district code or domain id); null = none (e.g. no district)" })
  value: string | null;
  @Field(() => Int) count: number;
}

@ObjectType({
  simpleResolvers: true,
  description: "Counts for the same filter. kind, status and district each sum to totalCount; a platform counts once under each of its domains",
})
export class PlatformFacets {
  @Field(() => [FacetCount]) kind: FacetCount[];
  @Field(() => [FacetCount]) status: FacetCount[];
  @Field(() => [FacetCount]) district: FacetCount[];
  @Field(() => [FacetCount]) domain: FacetCount[];
}

/** A Relay connection. totalCount and facets are computed only when asked for. */
@ObjectType({ simpleResolvers: true, description: "A page of platforms (Relay cursor connection, keyset cursors)" })
export class PlatformConnection {
  @Field(() => [PlatformEdge]) edges: PlatformEdge[];
  @Field(() => [Platform]) nodes: Platform[];
  @Field(() => PageInfo) pageInfo: PageInfo;
  @Field(() => SearchInterpretation, {
    nullable: true,
    description: "How filter.search was read (districts and domains it names, the terms left for names); null without a search",
  })
  searchInterpretation: SearchInterpretation | null;
  /** The compiled filter, for the totalCount and facets field resolvers. */
  query: CompiledFilter;
}

/** Page size when a connection is asked for no `first`/`last`, and the most one page may hold. */
export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 100;
