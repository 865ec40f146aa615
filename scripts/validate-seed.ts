/**
 * `npm run seed:validate`: check the data set without touching a database: the plan's records, and
 * the history after it (every event: a source with title, publisher and date, a real date after the
 * plan's and not in the future, the lifecycle from the platform's baseline; every figure: a source
 * and a known target). Exit 1 with every problem when anything is wrong.
 */
import { readSeedData, validateSeedData } from "../src/modules/dataset/dataset";

const dir = process.argv[2];
const data = readSeedData(dir);
const problems = validateSeedData(data);
if (problems.length) {
  process.stderr.write(`${problems.length} problem(s):\n  - ${problems.join("\n  - ")}\n`);
  process.exit(1);
}
process.stdout.write(
  `seed data valid: ${data.platforms.length} platforms, ${data.districts.length} districts, ${data.agencies.length} agencies, ` +
    `${data.domains.length} domains, ${data.targets.length} targets; history: ${data.events.length} events on ` +
    `${new Set(data.events.map((e) => e.platform)).size} platforms, ${data.names.length} later names, ${data.searched.length} searches, ` +
    `${data.figures.length} reported figures for ${new Set(data.figures.map((f) => f.target)).size} targets\n`,
);
