// Every volume path stays inside its volume: `..` segments are refused, and symlinks are resolved
// with realpath so that a link pointing out of the volume cannot be followed.
import { realpath } from "node:fs/promises";
import path from "node:path";
import { ApiError, badRequest, notFound } from "./http.js";

const inside = (root: string, p: string) => p === root || p.startsWith(root + path.sep);

/** The path's segments below the volume root (a leading `/` means the root). */
export function segments(given: string): string[] {
  if (given.includes("\0")) throw badRequest(`invalid request: path must not contain NUL characters`);
  const parts = given.split("/").filter((s) => s !== "" && s !== ".");
  if (parts.includes(".."))
    throw badRequest(`invalid request: path ${JSON.stringify(given)} must not contain ".." segments`);
  return parts;
}

function escape(given: string): ApiError {
  return badRequest(`invalid request: path ${JSON.stringify(given)} resolves outside the volume`);
}

/** The real path of an existing entry; 404 when it does not exist, 400 when it resolves outside. */
export async function existing(root: string, given: string, what = "file"): Promise<string> {
  let real: string;
  try {
    real = await realpath(path.join(root, ...segments(given)));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR")
      throw notFound(`${what} ${JSON.stringify(given)} not found on the volume`);
    throw error;
  }
  if (!inside(root, real)) throw escape(given);
  return real;
}

/** Where a new entry would go: the real path of its deepest existing ancestor (inside the volume)
 * and the segments still to create below it. */
export async function creatable(root: string, given: string): Promise<{ ancestor: string; rest: string[] }> {
  const parts = segments(given);
  for (let i = parts.length; i >= 0; i--) {
    let real: string;
    try {
      real = await realpath(path.join(root, ...parts.slice(0, i)));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") continue;
      throw error;
    }
    if (!inside(root, real)) throw escape(given);
    return { ancestor: real, rest: parts.slice(i) };
  }
  throw escape(given);
}

/** A path's parent (which must exist, inside the volume) and its last segment. */
export async function parentAndName(
  root: string,
  given: string,
  what: string,
): Promise<{ parent: string; name: string }> {
  const parts = segments(given);
  const name = parts.pop();
  if (name === undefined)
    throw badRequest(`invalid request: ${what} must name a file or directory, not the volume root`);
  const parent = await existing(root, parts.join("/"), `parent directory of ${what}`);
  return { parent, name };
}
