// Every operation of the spec, by operationId, with the function that handles it.
import { execSandbox, getSandboxLogs } from "./exec.js";
import { moveVolumeFile } from "./file-moves.js";
import { readVolumeFile } from "./file-reads.js";
import { writeVolumeFile } from "./file-writes.js";
import { listVolumeFiles } from "./files.js";
import type { Handler } from "./handler.js";
import { countSandboxes, listSandboxes } from "./listing.js";
import { getSandboxMetrics, getSandboxMetricsSummary } from "./metrics.js";
import type { OperationId } from "./options.js";
import {
  createSandbox,
  getSandbox,
  healthCheck,
  lookupSandbox,
  readinessCheck,
  terminateSandbox,
} from "./sandboxes.js";
import { createSnapshot, deleteSnapshot, listSnapshots } from "./snapshots.js";
import { createVolume, deleteVolume, getVolume, listVolumes, lookupVolume } from "./volumes.js";

export const handlers: Record<OperationId, Handler> = {
  healthCheck,
  readinessCheck,
  createSandbox,
  listSandboxes,
  countSandboxes,
  lookupSandbox,
  getSandbox,
  terminateSandbox,
  execSandbox,
  getSandboxLogs,
  getSandboxMetricsSummary,
  getSandboxMetrics,
  createSnapshot,
  listSnapshots,
  deleteSnapshot,
  listVolumes,
  createVolume,
  lookupVolume,
  getVolume,
  deleteVolume,
  listVolumeFiles,
  readVolumeFile,
  writeVolumeFile,
  moveVolumeFile,
};
