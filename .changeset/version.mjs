#!/usr/bin/env node
// `npm run version-packages`: turns the pending changesets into the next version. Runs
// `changeset version` (bumps package.json, writes CHANGELOG.md, deletes the changesets), then keeps the
// other copies of the version equal to package.json's: `VERSION` in src/version.ts and the root entries
// of package-lock.json.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const changeset = createRequire(import.meta.url).resolve("@changesets/cli/bin.js");

const r = spawnSync(process.execPath, [changeset, "version"], { cwd: root, stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);

const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));

const versionFile = path.join(root, "src/version.ts");
const source = readFileSync(versionFile, "utf8");
const DECLARATION = /export const VERSION = "[^"]*";/;
if (!DECLARATION.test(source)) {
  console.error(`version: src/version.ts has no line \`export const VERSION = "...";\` to update`);
  process.exit(1);
}
writeFileSync(versionFile, source.replace(DECLARATION, `export const VERSION = ${JSON.stringify(version)};`));

const lockFile = path.join(root, "package-lock.json");
if (existsSync(lockFile)) {
  const lock = JSON.parse(readFileSync(lockFile, "utf8"));
  lock.version = version;
  if (lock.packages?.[""]) lock.packages[""].version = version;
  writeFileSync(lockFile, `${JSON.stringify(lock, null, 2)}\n`);
}
console.log(`version: ${version} in package.json, package-lock.json and src/version.ts; CHANGELOG.md updated`);
