// The listing of a volume's files: a breadth-first walk (file-walk.ts), pruned to a search when asked.
// Reads are in file-reads.ts, writes in file-writes.ts, moves in file-moves.ts.
import { stat } from "node:fs/promises";
import { existing, segments } from "./confine.js";
import { prune, walk } from "./file-walk.js";
import type { Handler } from "./handler.js";
import { badRequest } from "./http.js";

export const listVolumeFiles: Handler = async ({ store, input }) => {
  const volume = store.diskVolume(input.path.id!);
  const given = (input.query.path as string | undefined) ?? "/";
  const dir = await existing(volume.dir, given, "directory");
  if (!(await stat(dir)).isDirectory())
    throw badRequest(`invalid request: path ${JSON.stringify(given)} is not a directory`);
  const { entries, truncated } = await walk(volume.dir, dir, store.options.listEntryBudget);
  const search = input.query.search as string | undefined;
  // Echoed in the "/"-rooted form, whichever form was given.
  const rooted = `/${segments(given).join("/")}`;
  return {
    status: 200,
    json: { path: rooted, entries: search === undefined ? entries : prune(entries, search), truncated },
  };
};
