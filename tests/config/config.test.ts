/** The configuration (src/config.ts): a wrong variable is named, and the defaults are the documented ones. */
import { loadConfig, ConfigError } from "../../src/config";

describe("configuration", () => {
  it("names the variable that is wrong", () => {
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: "eighty" })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x@y/z" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ MIGRATIONS_RUN: "maybe" })).toThrow(/MIGRATIONS_RUN/);
    expect(() => loadConfig({ LOG_LEVEL: "loud" })).toThrow(/LOG_LEVEL/);
  });

  it("has documented defaults", () => {
    const c = loadConfig({});
    expect(c.port).toBe(4000);
    expect(c.databaseUrl).toBeNull();
    expect(c.dataDir.endsWith("data")).toBe(true);
    expect(c.migrationsRun).toBe(true);
  });
});
