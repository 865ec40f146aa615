import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema, type PubSub } from "type-graphql";
import { PlatformConnectionResolver, PlatformResolver, StatusEventResolver } from "./modules/platform/platform.resolver";
import { AgencyResolver } from "./modules/agency/agency.resolver";
import { DistrictResolver } from "./modules/district/district.resolver";
import { TargetResolver } from "./modules/target/target.resolver";
import { DomainResolver } from "./modules/domain/domain.resolver";
import { GeoResolver } from "./modules/geo/geo.resolver";
import { PlatformWriteResolver } from "./modules/platform/platform-write.resolver";
import { StatusResolver } from "./modules/status/status.resolver";
import { StatusBatchResolver } from "./modules/status/status-batch.resolver";
import { ViewerResolver } from "./modules/auth/viewer.resolver";
import { GraphQLDateTime } from "graphql-scalars";

export const resolvers = [PlatformResolver, PlatformConnectionResolver, StatusEventResolver, DistrictResolver, AgencyResolver, TargetResolver, DomainResolver, GeoResolver, PlatformWriteResolver, StatusResolver, StatusBatchResolver, ViewerResolver] as const;

/** type-graphql validates inputs only when asked: validate is on, so class-validator rules hold. */
export function createSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  return buildSchema({
    pubSub,
    resolvers: [...resolvers],
    validate: { forbidUnknownValues: false },
    // RFC 3339 date-times, named DateTime
    scalarsMap: [{ type: Date, scalar: GraphQLDateTime }],
    emitSchemaFile: false,
  });
}
