/// <reference lib="esnext.disposable" />
// porter-sandbox: the TypeScript SDK for the Porter Sandbox API. This entry runs in Node, Bun, Deno,
// browsers and edge runtimes; it imports nothing from `node:`.
export { Porter } from "./client.js";
export type { ClientOptions, Logger, LogLevel as ClientLogLevel } from "./core/options.js";
export type { RequestOptions } from "./core/options.js";
export type { Outcome } from "./core/response-info.js";
export {
  Sandboxes,
  type CreateSandboxSpec,
  type ListSandboxesParams,
  type SandboxPage,
  type SandboxPageExtra,
} from "./resources/sandboxes/sandboxes.js";
export {
  Sandbox,
  SandboxNotRunningError,
  type LogsOptions,
  type MetricsOptions,
  type MetricsSummaryOptions,
} from "./resources/sandboxes/sandbox.js";
export type { FollowLogsOptions } from "./resources/sandboxes/follow-logs.js";
export { IDEMPOTENCY_TAG } from "./resources/sandboxes/create-sandbox.js";
export { Snapshots, Snapshot, SnapshotFailedError, type ListSnapshotsParams } from "./resources/snapshots.js";
export { Volumes } from "./resources/volumes/volumes.js";
export { Volume } from "./resources/volumes/volume.js";
export { VolumeInUseError, VolumeFailedError, ObjectVolumeError } from "./resources/volumes/volume-errors.js";
export type {
  ByteRange,
  SuffixRange,
  FileData,
  VolumeTreeEntry,
  VolumeSearchResult,
} from "./resources/volumes/volume-files.js";
export { StreamRedirectError } from "./internal/redirects.js";
export type { StreamOptions, VolumeFileStream } from "./resources/volumes/volume-stream.js";
export { PagePromise, type Page, type Pagination } from "./core/pagination.js";
export type { WaitOptions } from "./internal/wait.js";
export type { ResponseInfo, WithResponse } from "./core/response-info.js";
export { createRawClient, type RawClient, type RawClientOptions } from "./resources/raw.js";
export {
  SandboxError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  ServerError,
  SandboxTimeoutError,
  ConnectionError,
  RequestAbortedError,
  ClientClosedError,
  ValidationError,
  ConfigurationError,
  type SandboxErrorCode,
  type SandboxErrorInit,
  type ValidationIssue,
} from "./core/errors.js";
export type * from "./core/types.js";
export type { paths, components, operations } from "../generated/schema.js";
export { VERSION } from "./version.js";
