// Answers and errors as the handlers produce them, and how they go over the wire.
import { CODE_BY_STATUS } from "../core/errors.js";
import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import { pipeline, type Readable } from "node:stream";
import type { components } from "../../generated/schema.js";

export type ErrorCode = components["schemas"]["ErrorCode"];

/** What a handler answers: a JSON body, a byte stream, or nothing (204). */
export interface Reply {
  status: number;
  json?: unknown;
  stream?: Readable;
  headers?: Record<string, string>;
}

export function codeFor(status: number): ErrorCode {
  return (CODE_BY_STATUS[status] as ErrorCode | undefined) ?? (status >= 500 ? "internal_error" : "invalid_request");
}

/** An error answer: the spec's `{error, code}` body with its status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: ErrorCode = codeFor(status),
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new ApiError(400, message);
export const notFound = (message: string) => new ApiError(404, message);
export const conflict = (message: string, code: ErrorCode = "conflict") => new ApiError(409, message, code);

export function newRequestId(): string {
  return `req_${randomBytes(8).toString("hex")}`;
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string | number> = { ...reply.headers };
  if (reply.stream) {
    res.writeHead(reply.status, { "content-type": "application/octet-stream", ...headers });
    // pipeline, not pipe: a client that goes away mid-body destroys the file stream too, which closes the
    // file; a failed read destroys the response. Either way both end, so the outcome needs no handling.
    pipeline(reply.stream, res, () => {});
    return;
  }
  if (reply.json === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(reply.json);
  res.writeHead(reply.status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function errorReply(error: ApiError): Reply {
  return { status: error.status, json: { error: error.message, code: error.code }, headers: error.headers };
}
