// Spec-driven contract tests against the Prism mock: for every operation of the spec,
// - every named example of every success response is served (`Prefer: code=S, example=NAME`) and the
//   SDK returns it without error, carrying what was served (Prism runs with --errors, so an example that
//   breaks its schema is refused rather than served: what the SDK parses here is valid by the spec);
// - every declared error response (every status, every named example) maps to the right error class,
//   `code` (the body's, else derived from the status), status, request id and body.
// The lists come from the spec itself (test/contract/spec.ts), so a newly declared operation, status or
// example gets its test without an edit here, and fails until test/contract/drivers.ts can call it.
//
// A declared response that is neither (a redirect) must be listed in PRISM_CANNOT_SERVE_RESPONSE, with
// where it is covered instead.
//
// Coverage: the last block lists the spec's operations and fails when one has no driver, and when any
// declared (operation, status) pair was not answered on the wire during this file's run, unless listed
// as above. The tally is kept from the recorded exchanges rather than from test names, so a test that
// called the wrong endpoint cannot count. (Running a subset with `-t` therefore fails the tally; run the
// whole file.)
import { describe, expect, it } from "vitest";
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  SandboxError,
  ServerError,
  errorFromResponse,
  type SandboxErrorCode,
} from "../../src/core/errors.js";
import { IDEMPOTENCY_TAG } from "../../src/index.js";
import { retryAfterMs } from "../../src/internal/retry.js";
import { VolumeInUseError } from "../../src/resources/volumes/volume-errors.js";
import { DRIVERS, IDS, PRISM_CANNOT_SERVE, PRISM_CANNOT_SERVE_RESPONSE, RawFailure } from "./drivers.js";
import { API_KEY, useTarget } from "./harness.js";
import type { Recorder } from "./recorder.js";
import { isSuccess, operationIds, operations } from "./spec.js";
import { mockTarget } from "./targets.js";

/** The class and code each error status maps to when the body carries no `code` (see `ErrorCode` in the
 * spec). A status the spec declares but this table lacks fails its test, so a new one gets a decision. */
const EXPECTED_ERROR: Record<number, { class: typeof SandboxError; code: SandboxErrorCode }> = {
  400: { class: BadRequestError, code: "invalid_request" },
  401: { class: AuthenticationError, code: "unauthenticated" },
  403: { class: PermissionDeniedError, code: "forbidden" },
  404: { class: NotFoundError, code: "not_found" },
  409: { class: ConflictError, code: "conflict" },
  // A read whose If-Match no longer holds: the file changed under the caller.
  412: { class: ConflictError, code: "conflict" },
  // Too large a write and an unsatisfiable range are requests the API rejects as invalid.
  413: { class: BadRequestError, code: "invalid_request" },
  416: { class: BadRequestError, code: "invalid_request" },
  429: { class: RateLimitError, code: "rate_limited" },
  500: { class: ServerError, code: "internal_error" },
  503: { class: ServerError, code: "internal_error" },
};

/** Where the SDK raises a more specific class (a subclass of the one above) for one operation's status,
 * or does more before it throws, and what that adds. */
const SPECIFIC: Record<string, { class: typeof SandboxError; check(error: SandboxError, rec: Recorder): void }> = {
  "deleteVolume 409": {
    class: VolumeInUseError,
    // Porter's 409 names the sandboxes only in prose: the SDK reads them from the volume's record.
    check: (error, rec) => {
      const record = JSON.parse(rec.one("getVolume").responseBody) as { attached_to: string[] };
      expect((error as VolumeInUseError).attached_to).toEqual(record.attached_to);
      expect(error.message).toContain(record.attached_to[0]);
    },
  },
  "createSandbox 500": {
    class: ServerError,
    // A create answered 5xx may have made the sandbox: the SDK searches every phase for the tag carrying
    // the call's key (the driver has the mock find none) and says how to find the sandbox later.
    check: (error, rec) => {
      const key = rec.one("createSandbox").requestHeaders.get("idempotency-key")!;
      const search = rec.one("listSandboxes");
      expect(search.query.getAll("tag")).toEqual([`${IDEMPOTENCY_TAG}=${key}`]);
      expect(search.query.getAll("phase")).toEqual([
        "queued",
        "creating",
        "running",
        "succeeded",
        "failed",
        "terminated",
      ]);
      expect(error.message).toContain((error.body as { error: string }).error);
      expect(error.message).toContain(`idempotency key ${key}`);
    },
  },
};

const h = useTarget(mockTarget);

/** Every `operationId status` pair the spec declares. */
const declared = operations.flatMap((op) => op.responses.map((r) => `${op.id} ${r.status}`));
/** `operationId status` pairs answered on the wire, for the coverage tally. */
const served = new Set<string>();
const tally = (operationId: string) => {
  for (const e of h.rec.of(operationId)) served.add(`${operationId} ${e.status}`);
};

function driverOf(operationId: string) {
  const driver = DRIVERS[operationId];
  if (!driver) throw new Error(`no driver for operation ${operationId}: add one to test/contract/drivers.ts`);
  return driver;
}

describe("every named example of every success response is served and handled by the SDK", () => {
  for (const op of operations) {
    for (const res of op.responses.filter((r) => isSuccess(r.status))) {
      for (const ex of res.examples.length ? res.examples : [undefined]) {
        const prefer = ex ? `code=${res.status}, example=${ex.name}` : `code=${res.status}`;
        it(`${op.id} ${res.status}${ex ? ` ${ex.name}` : ""}`, async () => {
          const driver = driverOf(op.id);
          h.rec.prefer({ ...driver.aux, [op.id]: prefer });
          const result = await driver.run(
            { porter: h.porter(), rec: h.rec },
            { headers: { Prefer: prefer } },
            res.status,
          );
          tally(op.id);
          const exchange = h.rec.one(op.id);
          expect(exchange.sentPrefer, "the per-request header reached the wire").toBe(prefer);
          expect(exchange.status).toBe(res.status);
          if (ex && res.contentType === "application/json") expect(JSON.parse(exchange.responseBody)).toEqual(ex.value);
          if (res.status === 204) expect(exchange.responseBody).toBe("");
          driver.check?.(result, { status: res.status, value: ex?.value, exchange }, h.rec);
        });
      }
    }
  }
});

describe("every declared error response maps to the right error class and code", () => {
  for (const op of operations) {
    for (const res of op.responses.filter((r) => r.status >= 400)) {
      for (const ex of res.examples.length ? res.examples : [undefined]) {
        const prefer = ex ? `code=${res.status}, example=${ex.name}` : `code=${res.status}`;
        it(`${op.id} ${res.status}${ex ? ` ${ex.name}` : ""}`, async () => {
          const driver = driverOf(op.id);
          const expected = EXPECTED_ERROR[res.status];
          expect(
            expected,
            `status ${res.status} is declared by the spec but has no entry in EXPECTED_ERROR`,
          ).toBeDefined();
          const sameFailure = Object.fromEntries((driver.sameOnError?.[res.status] ?? []).map((id) => [id, prefer]));
          h.rec.prefer({ ...driver.aux, ...sameFailure, [op.id]: prefer });
          const thrown = await driver
            .run({ porter: h.porter(), rec: h.rec }, { headers: { Prefer: prefer }, maxRetries: 0 }, res.status)
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          tally(op.id);
          expect(thrown, `${driver.how} resolved although the API answered ${res.status}`).toBeDefined();
          const exchange = h.rec.one(op.id);
          expect(exchange.sentPrefer).toBe(prefer);
          expect(exchange.status).toBe(res.status);

          const body = ex?.value as { error: string; code?: SandboxErrorCode } | undefined;
          let error: SandboxError;
          if (driver.via === "raw") {
            // openapi-fetch reports a non-2xx as `error` (the parsed body) with the response.
            expect(thrown).toBeInstanceOf(RawFailure);
            const failure = thrown as RawFailure;
            expect(failure.status).toBe(res.status);
            expect(failure.error).toEqual(body);
            // ...which the SDK's own mapping turns into the same error as the ergonomic client would throw.
            error = errorFromResponse(
              failure.status,
              failure.error,
              failure.response.headers.get("x-request-id") ?? undefined,
              retryAfterMs(failure.response.headers),
            );
          } else {
            expect(thrown).toBeInstanceOf(SandboxError);
            error = thrown as SandboxError;
            expect(error.attempts, "maxRetries: 0 makes one attempt").toBe(1);
          }
          const specific = SPECIFIC[`${op.id} ${res.status}`];
          expect(error).toBeInstanceOf(expected!.class);
          expect(error.constructor, `class for ${op.id} ${res.status}`).toBe(specific?.class ?? expected!.class);
          expect(error.code).toBe(body?.code ?? expected!.code);
          expect(error.statusCode).toBe(res.status);
          expect(error.requestId).toBe(exchange.responseHeaders.get("x-request-id") ?? undefined);
          expect(error.body).toEqual(body);
          if (specific) specific.check(error, h.rec);
          else if (body) expect(error.message).toContain(body.error);
          if (res.status === 429) {
            const seconds = Number(exchange.responseHeaders.get("retry-after"));
            expect(Number.isFinite(seconds), "the 429 carries Retry-After in seconds").toBe(true);
            expect((error as RateLimitError).retryAfterMs).toBe(seconds * 1000);
          }
        });
      }
    }
  }
});

describe("coverage: every operation of the spec has a contract test", () => {
  it("every operation has a driver, and every driver is for an operation of the spec", () => {
    expect(
      operationIds.filter((id) => !DRIVERS[id]),
      "operations without a driver in test/contract/drivers.ts",
    ).toEqual([]);
    expect(
      Object.keys(DRIVERS).filter((id) => !operationIds.includes(id)),
      "drivers for operations the spec no longer has",
    ).toEqual([]);
  });

  it("operations Prism cannot serve meaningfully are listed with a reason, and exist", () => {
    for (const [id, reason] of Object.entries(PRISM_CANNOT_SERVE)) {
      expect(operationIds).toContain(id);
      expect(reason.length).toBeGreaterThan(40);
    }
  });

  it("responses Prism cannot serve are listed with a reason, and declared by the spec", () => {
    for (const [pair, reason] of Object.entries(PRISM_CANNOT_SERVE_RESPONSE)) {
      expect(declared, "a listed response the spec no longer declares").toContain(pair);
      expect(reason.length).toBeGreaterThan(40);
    }
  });

  it("writeVolumeFile 307 is listed because Prism serves it with a Location off loopback", async () => {
    // Sent by hand, not by the SDK, which would follow the Location (the recorder refuses to).
    h.rec.prefer({ writeVolumeFile: "code=307" });
    const url = `${h.url}/v1/volume/${IDS.volume}/files/content?path=results.json`;
    const headers = { authorization: `Bearer ${API_KEY}`, "content-type": "application/octet-stream" };
    const res = await h.rec.fetch(url, { method: "PUT", headers, body: "x" });
    expect(res.status).toBe(307);
    expect(["127.0.0.1", "localhost", "[::1]"]).not.toContain(new URL(res.headers.get("location")!).hostname);
  });

  // Runs after the tests above (vitest runs a file's tests in order).
  it("every declared response of every operation was answered on the wire in this file", () => {
    const missing = declared.filter((pair) => !served.has(pair) && !(pair in PRISM_CANNOT_SERVE_RESPONSE));
    expect(
      missing,
      "declared responses no test above received (a redirect goes in PRISM_CANNOT_SERVE_RESPONSE)",
    ).toEqual([]);
    expect(served.size).toBeGreaterThan(0);
  });
});
