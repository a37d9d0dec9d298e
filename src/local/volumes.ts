// Volume operations. A disk volume is a directory of its own under the state directory; provisioning
// is instant locally, so a volume is `ready` from the start. Object volumes (buckets) are emulated by
// object-volumes.ts.
import { mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { components } from "../../generated/schema.js";
import type { Handler } from "./handler.js";
import { conflict, notFound } from "./http.js";
import { newId } from "./ids.js";
import { bucketDir, checkObjectSpec } from "./object-volumes.js";
import { volumeRecord } from "./records.js";
import type { Store, VolumeState } from "./store.js";

type VolumeSpec = components["schemas"]["VolumeSpec"];

export const listVolumes: Handler = ({ store }) => ({
  status: 200,
  json: { volumes: [...store.volumes.values()].map(volumeRecord) },
});

/** Where the volume's files live, and the `path` its record shows (relative to the state directory,
 * Porter's "shared volumes mount"; "" for an object volume, which reads from its bucket). */
function placeOf(store: Store, id: string, spec: VolumeSpec): { dir: string; path: string } {
  if (spec.object) return { dir: bucketDir(store, spec.object), path: "" };
  const dir = path.join(store.dirs.volumes, id);
  mkdirSync(dir);
  return { dir, path: path.relative(store.dirs.root, dir).split(path.sep).join("/") };
}

export const createVolume: Handler = ({ store, input }) => {
  const spec = input.body as VolumeSpec;
  checkObjectSpec(spec);
  // Unique while the volume exists; a deleted volume's name is free again.
  if (spec.name !== undefined && store.volumeNamed(spec.name)) throw conflict(`name "${spec.name}" is already taken`);
  const id = newId("vol");
  const volume: VolumeState = {
    id,
    name: spec.name ?? id,
    type: spec.type ?? "disk",
    object: spec.object,
    ...placeOf(store, id, spec),
    createdAt: Date.now(),
    attachedTo: new Set(),
  };
  store.volumes.set(id, volume);
  return { status: 201, json: volumeRecord(volume) };
};

export const lookupVolume: Handler = ({ store, input }) => {
  const name = input.query.name as string;
  const volume = store.volumeNamed(name);
  if (!volume) throw notFound(`no volume is named "${name}"`);
  return { status: 200, json: { id: volume.id } };
};

export const getVolume: Handler = ({ store, input }) => ({
  status: 200,
  json: volumeRecord(store.volume(input.path.id!)),
});

export const deleteVolume: Handler = async ({ store, input }) => {
  const volume = store.volume(input.path.id!);
  if (volume.attachedTo.size > 0) {
    throw conflict(`volume ${volume.id} is attached to sandboxes: ${[...volume.attachedTo].join(", ")}`);
  }
  store.volumes.delete(volume.id);
  // Deleting an object volume never deletes the bucket's objects (Porter's rule): other volumes may expose them.
  if (volume.type === "disk") await rm(volume.dir, { recursive: true, force: true });
  return { status: 204 };
};
