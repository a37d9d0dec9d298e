// Per-file setup of a contract target: starts it once (beforeAll), stops it (afterAll, by Prism's pid),
// gives each test a clean recorder, and fails a test whose requests or responses broke the contract.
import { afterAll, afterEach, beforeAll, beforeEach, expect } from "vitest";
import { Porter, type ClientOptions } from "../../src/index.js";
import { Recorder, type Exchange } from "./recorder.js";
import { API_KEY, type Running, type Target } from "./targets.js";

export { API_KEY };

export interface Harness {
  readonly url: string;
  readonly rec: Recorder;
  /** A client over the recording fetch. A new one has an empty name cache. */
  porter(options?: ClientOptions): Porter;
  /** Every exchange of the file so far (the recorder forgets them between tests). */
  readonly all: Exchange[];
}

export function useTarget(target: Target): Harness {
  let running: Running | undefined;
  let rec: Recorder | undefined;
  const all: Exchange[] = [];
  const clients: Porter[] = [];

  beforeAll(async () => {
    running = await target.start();
    rec = new Recorder(running.url);
    rec.onExchange = (e) => all.push(e);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await running?.stop();
  });

  beforeEach(() => rec?.reset());

  afterEach(() => {
    // Every request the SDK sent must be one the spec allows, and every response one Prism could vouch for.
    expect(rec!.violations, `contract violations on ${target.name}; exchanges: ${rec!.describe()}`).toEqual([]);
  });

  return {
    get url() {
      return running!.url;
    },
    get rec() {
      return rec!;
    },
    all,
    porter(options = {}) {
      // maxRetries 0: a retry would hide the response under test (a 429 or 5xx is answered once).
      const porter = new Porter({
        baseUrl: running!.url,
        apiKey: API_KEY,
        fetch: rec!.fetch,
        maxRetries: 0,
        logLevel: "off",
        ...options,
      });
      clients.push(porter);
      return porter;
    },
  };
}
