// One rule for what a suite needs from the machine (a Kafka broker, Mosquitto, kcat, the built CLI):
// under CI=true a missing prerequisite fails the run, naming it; elsewhere the suite skips with one
// loud line. HOMESTREAM_TEST_WITHOUT (a comma-separated list of names) makes the named prerequisites
// count as missing, to see what a machine without them does (test/setup/prerequisite.test.ts).

export const underCi = process.env.CI === "true" || process.env.CI === "1";

const pretendMissing = new Set(
  (process.env.HOMESTREAM_TEST_WITHOUT ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);

export class MissingPrerequisiteError extends Error {
  override name = "MissingPrerequisiteError";
}

/**
 * Whether what needs `name` may run: true when `available`. When it is not, under CI=true this throws
 * (called at a test file's top level, the file fails and so does the run) with a message naming
 * `name` and `hint` (what is missing and how to get it); elsewhere it prints one loud line and returns
 * false. Use: `describe.runIf(requirePrerequisite("mosquitto", MOSQUITTO !== undefined, "apt-get install mosquitto"))`.
 */
export function requirePrerequisite(name: string, available: boolean, hint: string): boolean {
  const pretended = pretendMissing.has(name);
  if (available && !pretended) return true;
  const why = pretended ? `counted as missing because HOMESTREAM_TEST_WITHOUT names it (${hint})` : hint;
  if (underCi) throw new MissingPrerequisiteError(`missing prerequisite under CI=true: ${name}: ${why}`);
  console.warn(`\n!!! SKIPPED, missing prerequisite ${name}: ${why} (under CI=true this fails) !!!\n`);
  return false;
}
