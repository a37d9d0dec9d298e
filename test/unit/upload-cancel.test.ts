// A streamed upload that the call gives up on (the caller aborts, the attempt times out, the client is
// closed) stops pulling its source and cancels it: an endless source would otherwise be read for ever, and
// the process would never exit. The loopback server reads the upload as fast as it comes and never answers.
import { afterEach, describe, expect, test } from "vitest";
import { ClientClosedError, RequestAbortedError, SandboxTimeoutError } from "../../src/index.js";
import { closeVolume, openVolume, type VolumeFixture } from "../helpers/volume.js";

let fixture: VolumeFixture | undefined;
afterEach(async () => {
  if (fixture) await closeVolume(fixture);
  fixture = undefined;
});

/** An endless source that counts its pulls and records its cancel. */
function endless() {
  const state = { pulls: 0, cancelled: undefined as unknown, wasCancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      state.pulls++;
      controller.enqueue(new Uint8Array(16 * 1024));
    },
    cancel(reason) {
      state.wasCancelled = true;
      state.cancelled = reason;
    },
  });
  return { stream, state };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the upload, waits until the source is being pulled, stops the call with `stop`, and returns the
 * call's error and the source's state then and 300 ms later. */
async function stopMidUpload(stop: (fixture: VolumeFixture, controller: AbortController) => void, timeoutMs?: number) {
  fixture = await openVolume();
  fixture.server.handle(() => undefined); // reads the body, never answers
  const source = endless();
  const controller = new AbortController();
  const upload = fixture.volume
    .writeFile("big.bin", source.stream, { signal: controller.signal, timeoutMs })
    .catch((e: unknown) => e);
  await expect.poll(() => source.state.pulls, { timeout: 5_000 }).toBeGreaterThan(5);
  stop(fixture, controller);
  const error = await upload;
  const pullsAtStop = source.state.pulls;
  await pause(300);
  return { error, state: source.state, pullsAtStop };
}

describe("a streamed upload the call gives up on", () => {
  test("is cancelled when the caller aborts", async () => {
    const { error, state, pullsAtStop } = await stopMidUpload((_f, controller) => controller.abort());
    expect(error).toBeInstanceOf(RequestAbortedError);
    expect(state.wasCancelled).toBe(true);
    expect(state.cancelled).toBe(error);
    expect(state.pulls - pullsAtStop).toBeLessThanOrEqual(1);
  });

  test("is cancelled when the attempt times out", async () => {
    const { error, state, pullsAtStop } = await stopMidUpload(() => undefined, 400);
    expect(error).toBeInstanceOf(SandboxTimeoutError);
    expect(state.wasCancelled).toBe(true);
    expect(state.pulls - pullsAtStop).toBeLessThanOrEqual(1);
  });

  test("is cancelled when the client is closed", async () => {
    const { error, state, pullsAtStop } = await stopMidUpload((f) => f.porter.close());
    expect(error).toBeInstanceOf(ClientClosedError);
    expect(state.wasCancelled).toBe(true);
    expect(state.pulls - pullsAtStop).toBeLessThanOrEqual(1);
  });
});
