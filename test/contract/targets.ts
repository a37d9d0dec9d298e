// The servers the contract suite runs against, in one place. Every target sits behind Prism, so every
// request the SDK sends is checked against the spec, and (behind the proxy) every response too.
// - `prism-mock`: Prism answers from the spec's examples. Stateless: what you create is not what you read.
// - `local-proxy`: the SDK's own local server (`porter-sandbox/local`, src/local/index.ts) behind a Prism
//   proxy. Stateful: the scenario creates what it reads. Prism follows the server's redirects itself, so
//   the 307 of a file write is not seen here (test/local/prism-proxy.test.ts sees it directly).
import { startPrism } from "../helpers/prism.js";

/** The API key every contract client sends. */
export const API_KEY = "contract-test-token";

export interface Running {
  /** Base URL the SDK talks to (Prism's). */
  url: string;
  stop(): Promise<void>;
}

export interface Target {
  name: string;
  /** True when the server keeps state: reads see earlier writes. */
  stateful: boolean;
  /** True when Prism answers from examples, so `Prefer` selects a response. */
  mock: boolean;
  start(): Promise<Running>;
}

export const mockTarget: Target = {
  name: "prism-mock",
  stateful: false,
  mock: true,
  async start() {
    const prism = await startPrism("mock");
    return { url: prism.url, stop: () => prism.stop() };
  },
};

export const localProxyTarget: Target = {
  name: "local-proxy",
  stateful: true,
  mock: false,
  async start() {
    const { startLocalServer } = await import("../../src/local/index.js");
    // The token makes the server refuse a request without the client's credentials.
    const local = await startLocalServer({ port: 0, quiet: true, token: API_KEY });
    try {
      const prism = await startPrism("proxy", local.url);
      return {
        url: prism.url,
        stop: async () => {
          await prism.stop();
          await local.close();
        },
      };
    } catch (error) {
      await local.close();
      throw error;
    }
  },
};

/** The targets the scenario suite runs against. */
export const TARGETS: readonly Target[] = [mockTarget, localProxyTarget];
