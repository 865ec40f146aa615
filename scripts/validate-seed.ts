/** `npm run seed:validate`: check the data set without touching a database. */
import { readSeedData, validateSeedData } from "../src/modules/dataset/dataset";

const data = readSeedData();
const problems = validateSeedData(data);
if (problems.length) {
  process.stderr.write(`${problems.length} problem(s):\n  - ${problems.join("\n  - ")}\n`);
  process.exit(1);
}
process.stdout.write(
  `seed data valid: ${data.platforms.length} platforms, ${data.districts.length} districts, ${data.agencies.length} agencies, ` +
    `${data.domains.length} domains, ${data.targets.length} targets\n`,
);
