// Volume operations: each volume is a directory under the state directory. Provisioning is instant
// locally, so a volume is `ready` from the start.
import { mkdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import type { Handler } from "./handler.js";
import { conflict, notFound } from "./http.js";
import { newId } from "./ids.js";
import { volumeRecord } from "./records.js";
import type { VolumeState } from "./store.js";

export const listVolumes: Handler = ({ store }) => ({
  status: 200,
  json: { volumes: [...store.volumes.values()].map(volumeRecord) },
});

export const createVolume: Handler = ({ store, input }) => {
  const { name } = input.body as { name?: string };
  // Unique while the volume exists; a deleted volume's name is free again.
  if (name !== undefined && store.volumeNamed(name)) throw conflict(`name "${name}" is already taken`);
  const id = newId("vol");
  const dir = path.join(store.dirs.volumes, id);
  mkdirSync(dir);
  const volume: VolumeState = { id, name: name ?? id, createdAt: Date.now(), dir, attachedTo: new Set() };
  store.volumes.set(id, volume);
  return { status: 201, json: volumeRecord(volume) };
};

export const lookupVolume: Handler = ({ store, input }) => {
  const name = input.query.name as string;
  const volume = store.volumeNamed(name);
  if (!volume) throw notFound(`no volume is named "${name}"`);
  return { status: 200, json: { id: volume.id } };
};

export const getVolume: Handler = ({ store, input }) => ({ status: 200, json: volumeRecord(store.volume(input.path.id!)) });

export const deleteVolume: Handler = async ({ store, input }) => {
  const volume = store.volume(input.path.id!);
  if (volume.attachedTo.size > 0) {
    throw conflict(`volume ${volume.id} is attached to sandboxes: ${[...volume.attachedTo].join(", ")}`);
  }
  store.volumes.delete(volume.id);
  await rm(volume.dir, { recursive: true, force: true });
  return { status: 204 };
};
