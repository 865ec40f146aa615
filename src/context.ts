import type { DataSource } from "typeorm";
import { AgencyService } from "./modules/agency/agency.service";
import { DistrictService } from "./modules/district/district.service";
import type { Domain } from "./modules/domain/domain.entity";
import { DomainService } from "./modules/domain/domain.service";
import { createPlatformLoaders, type PlatformLoaders } from "./modules/platform/platform.loaders";
import { PlatformService } from "./modules/platform/platform.service";
import { TargetService } from "./modules/target/target.service";

/** Services are stateless and built once per server. */
export function createServices(ds: DataSource) {
  return {
    platforms: new PlatformService(ds),
    districts: new DistrictService(ds),
    domains: new DomainService(ds),
    agencies: new AgencyService(ds),
    targets: new TargetService(ds),
  };
}
export type Services = ReturnType<typeof createServices>;

/** Per-request context: the services and fresh DataLoaders (a cache never outlives its request). */
export interface Context {
  services: Services;
  loaders: PlatformLoaders & { allDomains: () => Promise<Map<string, Domain>> };
}

export function createContext(services: Services): Context {
  let domains: Promise<Map<string, Domain>> | undefined;
  return {
    services,
    loaders: {
      ...createPlatformLoaders(services.platforms, services.districts),
      // The domain table is small: one read per request serves every tree navigation.
      allDomains: () => (domains ??= services.domains.list().then((ds) => new Map(ds.map((d) => [d.id, d])))),
    },
  };
}
