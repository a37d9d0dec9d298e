/// <reference lib="esnext.disposable" />
// porter-sandbox: the TypeScript SDK for the Porter Sandbox API. This entry runs in Node, Bun, Deno,
// browsers and edge runtimes; it imports nothing from `node:`.
export { Porter } from "./client.js";
export type { ClientOptions, Logger, LogLevel as ClientLogLevel } from "./options.js";
export type { RequestOptions, Outcome } from "./transport.js";
export { Sandboxes, type CreateSandboxSpec, type ListSandboxesParams, type SandboxPage, type SandboxPageExtra } from "./sandboxes.js";
export { Sandbox, SandboxNotRunningError, type LogsOptions, type MetricsOptions, type MetricsSummaryOptions } from "./sandbox.js";
export { IDEMPOTENCY_TAG } from "./create-sandbox.js";
export { Snapshots, Snapshot, SnapshotFailedError, type ListSnapshotsParams } from "./snapshots.js";
export { Volumes } from "./volumes.js";
export { Volume } from "./volume.js";
export { VolumeInUseError, VolumeFailedError, ObjectVolumeError } from "./volume-errors.js";
export type { ByteRange, SuffixRange, FileData, VolumeTreeEntry, VolumeSearchResult } from "./volume-files.js";
export { StreamRedirectError } from "./redirects.js";
export type { StreamOptions, VolumeFileStream } from "./volume-stream.js";
export { PagePromise, type Page, type Pagination } from "./pagination.js";
export type { WaitOptions } from "./wait.js";
export type { ResponseInfo, WithResponse } from "./response-info.js";
export { createRawClient, type RawClient, type RawClientOptions } from "./raw.js";
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
  type SandboxErrorCode,
  type SandboxErrorInit,
  type ValidationIssue,
} from "./errors.js";
export type * from "./types.js";
export type { paths, components, operations } from "../generated/schema.js";
export { VERSION } from "./version.js";
