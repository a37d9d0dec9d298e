// Names for the spec's models, as users import them. Data from the API keeps its wire names.
import type { components } from "../generated/schema.js";

type S = components["schemas"];
export type SandboxSpec = S["SandboxSpec"];
export type StatusResponse = S["StatusResponse"];
export type StatusResponsePhase = S["StatusResponsePhase"];
export type CreateResponse = S["CreateResponse"];
export type ExecResponse = S["ExecResponse"];
export type LogLine = S["LogLine"];
export type LogLevel = S["LogLevel"];
export type ListResponse = S["ListResponse"];
export type FilterValues = S["FilterValues"];
export type CountResponse = S["CountResponse"];
export type HealthResponse = S["HealthResponse"];
export type ReadinessResponse = S["ReadinessResponse"];
export type Snapshot = S["Snapshot"];
export type SnapshotSpec = S["SnapshotSpec"];
export type VolumeRecord = S["Volume"];
export type VolumeSpec = S["VolumeSpec"];
export type VolumePhase = S["VolumePhase"];
export type VolumeFileEntry = S["VolumeFileEntry"];
export type VolumeFileListResponse = S["VolumeFileListResponse"];
export type ErrorBody = S["Error"];
export type ErrorCode = S["ErrorCode"];
