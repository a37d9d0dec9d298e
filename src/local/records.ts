// The wire records (spec schemas) built from the server's state.
import type { components } from "../../generated/schema.js";
import type { SandboxState, SnapshotState, VolumeState } from "./store.js";

type S = components["schemas"];
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function statusRecord(s: SandboxState): S["StatusResponse"] {
  const { spec } = s;
  return {
    id: s.id,
    name: s.name,
    image: spec.image,
    ...(spec.tags && Object.keys(spec.tags).length ? { tags: spec.tags } : {}),
    phase: s.phase,
    exit_code: s.exitCode,
    created_at: iso(s.createdAt)!,
    started_at: iso(s.startedAt),
    // Locally a sandbox's ports are the host's own ports.
    host: spec.networking?.length ? "localhost" : "",
    ...(spec.volume_mounts && Object.keys(spec.volume_mounts).length ? { volume_mounts: spec.volume_mounts } : {}),
    ...(s.startedAt !== null ? { exec_target: { namespace: "local", pod_name: s.id.replace(/_/g, "-"), container_name: "sandbox" } } : {}),
    ...(spec.ttl_seconds !== undefined ? { ttl_seconds: spec.ttl_seconds } : {}),
    terminated_at: iso(s.endedAt),
  };
}

export function volumeRecord(v: VolumeState): S["Volume"] {
  return { id: v.id, name: v.name, phase: "ready", attached_to: [...v.attachedTo], created_at: iso(v.createdAt)! };
}

export function snapshotRecord(s: SnapshotState): S["Snapshot"] {
  return { id: s.id, sandbox_id: s.sandboxId, name: s.name, phase: s.phase, created_at: iso(s.createdAt)! };
}
