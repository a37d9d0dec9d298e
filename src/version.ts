// Kept equal to package.json's version by test/unit/version.test.ts; changesets bumps both.
export const VERSION = "0.1.0";
