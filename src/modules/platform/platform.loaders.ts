import DataLoader from "dataloader";
import type { Agency } from "../agency/agency.entity";
import type { District } from "../district/district.entity";
import type { DistrictService } from "../district/district.service";
import type { Domain } from "../domain/domain.entity";
import type { Mention } from "../source/mention.type";
import type { StatusEvent } from "../status/status-event.entity";
import type { Platform } from "./platform.entity";
import type { PlatformName } from "./platform-name.entity";
import type { PlatformService } from "./platform.service";

/** Per-request loaders (made on first use, see createLoaders): every relation of a Platform is read in one statement per page. */
export function platformLoaderFactories(platforms: PlatformService, districts: DistrictService) {
  return {
    platform: () => new DataLoader<string, Platform | null>((ids) => platforms.findByIds(ids)),
    children: () => new DataLoader<string, Platform[]>((ids) => platforms.childrenOf(ids)),
    domains: () => new DataLoader<string, Domain[]>((ids) => platforms.domainsOf(ids)),
    agencies: () => new DataLoader<string, Agency[]>((ids) => platforms.agenciesOf(ids)),
    mentions: () => new DataLoader<string, Mention[]>((ids) => platforms.mentionsOf(ids)),
    laterNames: () => new DataLoader<string, PlatformName[]>((ids) => platforms.laterNamesOf(ids)),
    statusHistory: () => new DataLoader<string, StatusEvent[]>((ids) => platforms.historyOf(ids)),
    district: () => new DataLoader<string, District | null>((codes) => districts.findByCodes(codes)),
  };
}
export type PlatformLoaders = { [K in keyof ReturnType<typeof platformLoaderFactories>]: ReturnType<ReturnType<typeof platformLoaderFactories>[K]> };
