// Kept equal to package.json's version by test/unit/version.test.ts; .changeset/version.mjs bumps both.
/**
 * This SDK's version (the package's `version`), also sent in every request's `User-Agent` as
 * `porter-sandbox-typescript/<VERSION>`.
 *
 * @example
 * ```ts
 * console.log(`porter-sandbox ${VERSION}`); // e.g. "porter-sandbox 1.2.0"
 * ```
 */
export const VERSION = "0.0.0";
