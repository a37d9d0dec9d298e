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
    image: s.image,
    ...(spec.tags && Object.keys(spec.tags).length ? { tags: spec.tags } : {}),
    phase: s.phase,
    exit_code: s.exitCode,
    created_at: iso(s.createdAt)!,
    started_at: iso(s.startedAt),
    // Locally a sandbox's ports are the host's own ports.
    host: spec.networking?.length ? "localhost" : "",
    ...(spec.volume_mounts && Object.keys(spec.volume_mounts).length ? { volume_mounts: spec.volume_mounts } : {}),
    ...(s.startedAt !== null
      ? { exec_target: { namespace: "local", pod_name: s.id.replace(/_/g, "-"), container_name: "sandbox" } }
      : {}),
    finished_at: iso(s.endedAt),
  };
}

export function volumeRecord(v: VolumeState): S["Volume"] {
  return {
    id: v.id,
    name: v.name,
    type: v.type,
    ...(v.object ? { object: v.object } : {}),
    path: v.path,
    phase: "ready",
    attached_to: [...v.attachedTo],
    created_at: iso(v.createdAt)!,
  };
}

export function snapshotRecord(s: SnapshotState): S["Snapshot"] {
  return {
    id: s.id,
    sandbox_id: s.sandboxId,
    mode: s.mode,
    status: s.status,
    t_created_unix_ms: s.createdAt,
    ...(s.readyAt !== undefined ? { t_ready_unix_ms: s.readyAt } : {}),
    ...(s.failureReason !== undefined ? { failure_reason: s.failureReason } : {}),
    ...(s.sizeBytes !== undefined ? { size_bytes: s.sizeBytes } : {}),
  };
}
