import "reflect-metadata";
import type { GraphQLSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { PlatformConnectionResolver, PlatformResolver, StatusEventResolver } from "./modules/platform/platform.resolver";
import { ReferenceResolver } from "./modules/reference.resolver";
import { DomainResolver } from "./modules/domain/domain.resolver";

export const resolvers = [PlatformResolver, PlatformConnectionResolver, StatusEventResolver, ReferenceResolver, DomainResolver] as const;

/** type-graphql validates inputs only when asked: validate is on, so class-validator rules hold. */
export function createSchema(): Promise<GraphQLSchema> {
  return buildSchema({
    resolvers: [...resolvers],
    validate: { forbidUnknownValues: false },
    emitSchemaFile: false,
  });
}
