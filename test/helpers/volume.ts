// A Volume handle bound to a fresh loopback server, for tests of the volume file API: the server has
// already answered the lookup, and its request log starts empty.
import { Porter, type Volume } from "../../src/index.js";
import { json, startServer, type TestServer } from "./http.js";

export interface VolumeFixture {
  server: TestServer;
  porter: Porter;
  volume: Volume;
}

export async function openVolume(): Promise<VolumeFixture> {
  const server = await startServer((_req, res) => json(res, 200, { id: "vol_1", name: "data", phase: "ready", attached_to: [], created_at: "2025-11-20T10:00:00Z" }));
  const porter = new Porter({ baseUrl: server.url, retryDelayMs: 1, maxRetries: 2 });
  const volume = await porter.volumes.get("vol_1");
  server.requests.length = 0;
  return { server, porter, volume };
}

export async function closeVolume({ server, porter }: VolumeFixture): Promise<void> {
  porter.close();
  await server.close();
}
