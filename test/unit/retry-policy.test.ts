// The retry policy itself (src/internal/retry.ts), function by function: which statuses and network
// failures are retried in each mode, how long the server asked us to wait, the backoff between attempts,
// and whether a failed create may still have made its resource. The wire-level tests
// (transport.test.ts, reliability.test.ts) show the transport applying these decisions; these pin the
// decisions down, edge by edge.
import { afterEach, describe, expect, test, vi } from "vitest";
import { readBody } from "../../src/internal/body.js";
import {
  backoffMs,
  isRetryableNetworkError,
  isRetryableStatus,
  mayHaveCreated,
  neverConnected as isNeverConnected,
  retryAfterMs,
  type BackoffOptions,
} from "../../src/internal/retry.js";
import {
  ClientClosedError,
  ConnectionError,
  errorFromResponse,
  SandboxError,
  SandboxTimeoutError,
  ValidationError,
} from "../../src/core/errors.js";

afterEach(() => {
  vi.restoreAllMocks();
});

const noHeaders = () => new Headers();
const withRetryAfter = () => new Headers({ "Retry-After": "1" });

describe("isRetryableStatus", () => {
  describe("idempotent: anything that may be transient", () => {
    test.each([408, 429, 500, 502, 503, 504, 599])("%i is retried, without Retry-After", (status) => {
      expect(isRetryableStatus(status, "idempotent", noHeaders())).toBe(true);
    });

    test.each([400, 401, 403, 404, 409, 413, 422])("%i is not retried, even with Retry-After", (status) => {
      expect(isRetryableStatus(status, "idempotent", noHeaders())).toBe(false);
      expect(isRetryableStatus(status, "idempotent", withRetryAfter())).toBe(false);
    });

    test("503 is retried with and without Retry-After", () => {
      expect(isRetryableStatus(503, "idempotent", noHeaders())).toBe(true);
      expect(isRetryableStatus(503, "idempotent", withRetryAfter())).toBe(true);
    });
  });

  describe("unstarted: only what proves the server did nothing", () => {
    test("429 is retried, with and without Retry-After", () => {
      expect(isRetryableStatus(429, "unstarted", noHeaders())).toBe(true);
      expect(isRetryableStatus(429, "unstarted", withRetryAfter())).toBe(true);
    });

    test("503 is retried only when it carries Retry-After (any spelling of the name)", () => {
      expect(isRetryableStatus(503, "unstarted", noHeaders())).toBe(false);
      expect(isRetryableStatus(503, "unstarted", withRetryAfter())).toBe(true);
      expect(isRetryableStatus(503, "unstarted", new Headers({ "retry-after": "0" }))).toBe(true);
    });

    test("retry-after-ms alone does not make a 503 retryable: the spec's Retry-After does", () => {
      expect(isRetryableStatus(503, "unstarted", new Headers({ "retry-after-ms": "10" }))).toBe(false);
    });

    test.each([408, 500, 502, 504])("%i is not retried, even with Retry-After (the request may have run)", (status) => {
      expect(isRetryableStatus(status, "unstarted", noHeaders())).toBe(false);
      expect(isRetryableStatus(status, "unstarted", withRetryAfter())).toBe(false);
    });

    test.each([400, 404, 409, 422])("%i is not retried, even with Retry-After", (status) => {
      expect(isRetryableStatus(status, "unstarted", withRetryAfter())).toBe(false);
    });
  });
});

/** A fetch failure as Node's undici reports it: a TypeError whose `cause` carries the system code. */
function fetchFailure(code: unknown): TypeError {
  return new TypeError("fetch failed", { cause: Object.assign(new Error(`connect ${String(code)}`), { code }) });
}

describe("isRetryableNetworkError", () => {
  const neverConnected = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "UND_ERR_CONNECT_TIMEOUT", "ConnectionRefused"];
  const mayHaveArrived = ["ECONNRESET", "EPIPE", "ETIMEDOUT", "UND_ERR_SOCKET", "UND_ERR_HEADERS_TIMEOUT"];

  test.each(neverConnected)("unstarted: %s (no connection was made) is retried", (code) => {
    expect(isRetryableNetworkError(fetchFailure(code), "unstarted")).toBe(true);
  });

  test.each(mayHaveArrived)("unstarted: %s (the request may have reached the server) is not retried", (code) => {
    expect(isRetryableNetworkError(fetchFailure(code), "unstarted")).toBe(false);
  });

  test("unstarted: a failure without a cause, or a cause without a string code, is not retried", () => {
    expect(isRetryableNetworkError(new TypeError("Failed to fetch"), "unstarted")).toBe(false);
    expect(isRetryableNetworkError(new TypeError("fetch failed", { cause: new Error("x") }), "unstarted")).toBe(false);
    expect(isRetryableNetworkError(fetchFailure(111), "unstarted")).toBe(false);
    expect(isRetryableNetworkError(null, "unstarted")).toBe(false);
    expect(isRetryableNetworkError(undefined, "unstarted")).toBe(false);
    expect(isRetryableNetworkError("ECONNREFUSED", "unstarted")).toBe(false);
  });

  test("neverConnected reads the same codes, whatever the mode: what counts an attempt as uncertain", () => {
    for (const code of neverConnected) expect(isNeverConnected(fetchFailure(code)), code).toBe(true);
    for (const code of mayHaveArrived) expect(isNeverConnected(fetchFailure(code)), code).toBe(false);
    expect(isNeverConnected(new TypeError("Failed to fetch"))).toBe(false);
  });

  test("idempotent: every network failure is retried, whatever its code or lack of one", () => {
    for (const code of [...neverConnected, ...mayHaveArrived])
      expect(isRetryableNetworkError(fetchFailure(code), "idempotent"), code).toBe(true);
    expect(isRetryableNetworkError(new TypeError("Failed to fetch"), "idempotent")).toBe(true);
    expect(isRetryableNetworkError(null, "idempotent")).toBe(true);
  });
});

describe("retryAfterMs", () => {
  const headers = (init: Record<string, string>) => new Headers(init);
  // An injected clock: the HTTP-date cases do not depend on when the test runs.
  const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");

  test("absent: undefined", () => {
    expect(retryAfterMs(new Headers(), now)).toBeUndefined();
  });

  test("retry-after-ms is milliseconds, fractions kept, zero honoured", () => {
    expect(retryAfterMs(headers({ "retry-after-ms": "1500" }), now)).toBe(1500);
    expect(retryAfterMs(headers({ "retry-after-ms": "12.5" }), now)).toBe(12.5);
    expect(retryAfterMs(headers({ "retry-after-ms": "0" }), now)).toBe(0);
  });

  test("retry-after-ms wins over Retry-After", () => {
    expect(retryAfterMs(headers({ "retry-after-ms": "250", "retry-after": "9" }), now)).toBe(250);
  });

  test("an unusable retry-after-ms (negative, blank, garbage, infinite) falls back to Retry-After", () => {
    for (const bad of ["-5", "", "soon", "Infinity"]) {
      expect(retryAfterMs(headers({ "retry-after-ms": bad, "retry-after": "2" }), now), bad).toBe(2000);
      expect(retryAfterMs(headers({ "retry-after-ms": bad }), now), bad).toBeUndefined();
    }
  });

  test("Retry-After in delay-seconds is converted to milliseconds, fractions kept, zero honoured", () => {
    expect(retryAfterMs(headers({ "retry-after": "3" }), now)).toBe(3000);
    expect(retryAfterMs(headers({ "retry-after": "0.02" }), now)).toBe(20);
    expect(retryAfterMs(headers({ "retry-after": "0" }), now)).toBe(0);
  });

  test("negative seconds are no delay, never read as a date (Date.parse takes -1 for the year 2001)", () => {
    expect(retryAfterMs(headers({ "retry-after": "-1" }), now)).toBeUndefined();
    expect(retryAfterMs(headers({ "retry-after": "-30" }), now)).toBeUndefined();
  });

  test("blank or garbage Retry-After: undefined", () => {
    for (const bad of ["", "soon", "later please", "Infinity"])
      expect(retryAfterMs(headers({ "retry-after": bad }), now), JSON.stringify(bad)).toBeUndefined();
  });

  test("an HTTP date in the future is the time until then, measured from the injected now", () => {
    expect(retryAfterMs(headers({ "retry-after": "Wed, 21 Oct 2015 07:28:30 GMT" }), now)).toBe(30_000);
    expect(retryAfterMs(headers({ "retry-after": "Wed, 21 Oct 2015 07:28:30 GMT" }), now - 5_000)).toBe(35_000);
  });

  test("an HTTP date in the past (or now) is no wait at all, never negative", () => {
    expect(retryAfterMs(headers({ "retry-after": "Wed, 21 Oct 2015 07:27:00 GMT" }), now)).toBe(0);
    expect(retryAfterMs(headers({ "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" }), now)).toBe(0);
  });

  test("without an injected now, a date is measured from the clock", () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const ms = retryAfterMs(headers({ "retry-after": inAMinute }));
    // toUTCString drops the milliseconds, and the clock moves on while the test runs.
    expect(ms).toBeGreaterThan(50_000);
    expect(ms).toBeLessThanOrEqual(60_000);
  });
});

describe("backoffMs", () => {
  const options: BackoffOptions = { retryDelayMs: 500, maxRetryDelayMs: 8_000, maxRetryAfterMs: 60_000 };

  test("without jitter (Math.random at 0), doubles from retryDelayMs each retry up to the ceiling", () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    const delays = [1, 2, 3, 4, 5, 6, 7, 20].map((retry) => backoffMs(retry, undefined, options));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000, 8000]);
  });

  test("the ceiling applies to a first delay larger than it", () => {
    vi.spyOn(Math, "random").mockReturnValue(0);
    expect(backoffMs(1, undefined, { ...options, retryDelayMs: 10_000 })).toBe(8_000);
  });

  test("jitter takes off a fraction of the random draw, a quarter at most", () => {
    const random = vi.spyOn(Math, "random");
    random.mockReturnValue(0.5);
    expect(backoffMs(3, undefined, options)).toBe(2000 * (1 - 0.5 * 0.25));
    random.mockReturnValue(0.999_999);
    expect(backoffMs(3, undefined, options)).toBeCloseTo(2000 * 0.75, 2);
  });

  test("over many real draws, every delay lies in (75%, 100%] of the exponential step, and they spread", () => {
    for (const [retry, step] of [
      [1, 500],
      [3, 2000],
      [9, 8000],
    ] as const) {
      const delays = Array.from({ length: 400 }, () => backoffMs(retry, undefined, options));
      for (const delay of delays) {
        expect(delay).toBeGreaterThan(step * 0.75);
        expect(delay).toBeLessThanOrEqual(step);
      }
      // Uniform draws: the chance that 400 of them all miss a fifth of the range is 0.8^400.
      expect(Math.min(...delays)).toBeLessThan(step * 0.8);
      expect(Math.max(...delays)).toBeGreaterThan(step * 0.95);
    }
  });

  test("the server's ask is used as given, without jitter, even past the backoff ceiling", () => {
    vi.spyOn(Math, "random").mockReturnValue(0.5);
    expect(backoffMs(1, 3_000, options)).toBe(3_000);
    expect(backoffMs(5, 20_000, options)).toBe(20_000);
    expect(backoffMs(2, 0, options)).toBe(0);
  });

  test("the server's ask is capped at maxRetryAfterMs", () => {
    expect(backoffMs(1, 90_000, options)).toBe(60_000);
    expect(backoffMs(1, 60_001, { ...options, maxRetryAfterMs: 1_000 })).toBe(1_000);
  });
});

describe("mayHaveCreated", () => {
  const uncertain = <E extends SandboxError>(error: E, attempts: number): E => {
    error.uncertainAttempts = attempts;
    return error;
  };

  test("a timeout may have created only when an attempt's outcome is unknown", () => {
    const timeout = () => new SandboxTimeoutError("create timed out", { code: "timeout" });
    expect(mayHaveCreated(timeout())).toBe(false);
    expect(mayHaveCreated(uncertain(timeout(), 1))).toBe(true);
    expect(mayHaveCreated(uncertain(timeout(), 3))).toBe(true);
  });

  test("a connection error may have created only when a connection was lost after sending", () => {
    const lost = () => new ConnectionError("create failed: socket hang up", { code: "connection_error" });
    expect(mayHaveCreated(lost())).toBe(false);
    expect(mayHaveCreated(uncertain(lost(), 1))).toBe(true);
  });

  test("a 2xx whose body could not be read may have created (the server did the work)", async () => {
    for (const status of [200, 201, 202]) {
      const unreadable = await readBody(new Response("<html>ok</html>", { status }), "json").catch((e: unknown) => e);
      expect(unreadable, `${status}`).toBeInstanceOf(SandboxError);
      expect(mayHaveCreated(unreadable), `${status}`).toBe(true);
    }
  });

  test.each([408, 500, 502, 503, 504])("%i may have created, with no uncertain attempt counted", (status) => {
    const error = errorFromResponse(status, { error: "down" }, "req_1");
    expect(error.uncertainAttempts).toBe(0);
    expect(mayHaveCreated(error)).toBe(true);
  });

  test.each([400, 401, 403, 404, 409, 413, 422, 429])("%i proves nothing was created", (status) => {
    expect(mayHaveCreated(errorFromResponse(status, { error: "no" }, undefined))).toBe(false);
    // Even when an earlier attempt was uncertain: the status of this error decides.
    expect(mayHaveCreated(uncertain(errorFromResponse(status, { error: "no" }, undefined), 2))).toBe(false);
  });

  test("an SDK error without a status (validation, a closed client) proves nothing was created", () => {
    expect(mayHaveCreated(new ValidationError("sandbox spec", [{ path: "image", message: "is required" }]))).toBe(
      false,
    );
    expect(mayHaveCreated(new ClientClosedError("closed", { code: "client_closed" }))).toBe(false);
  });

  test("anything that is not a SandboxError is not taken for a possible create, whatever it carries", () => {
    for (const thrown of [
      new Error("boom"),
      new TypeError("fetch failed"),
      { statusCode: 500, uncertainAttempts: 1 },
      "500",
      null,
      undefined,
    ])
      expect(mayHaveCreated(thrown), String(thrown)).toBe(false);
  });
});
