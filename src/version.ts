// Kept equal to package.json's version by test/unit/version.test.ts; .changeset/version.mjs bumps both.
export const VERSION = "0.0.0";
