// Compile-time assertions on the raw client, checked by test/checks/types.test.ts (tsc). Each
// `@ts-expect-error` must be needed: if the types ever accept the wrong call, tsc fails here.
import { createRawClient, Porter } from "../../src/index.js";

declare const porter: Porter;
const raw = createRawClient({ baseUrl: "http://localhost:8080" });

export async function rawClientTypes(): Promise<void> {
  // Right calls compile, with typed results.
  const got = await raw.GET("/v1/sandbox/{id}", { params: { path: { id: "sbx_1" } } });
  const phase: "queued" | "creating" | "running" | "succeeded" | "failed" | "terminated" | undefined = got.data?.phase;
  void phase;
  await porter.raw.POST("/v1/sandbox/run", { body: { image: "python:3.12-slim" } });
  await porter.raw.GET("/v1/sandbox", { params: { query: { page: 2, tag: ["a=b"] } } });

  // @ts-expect-error a path the spec does not have
  await raw.GET("/v1/sandboxes/{id}", { params: { path: { id: "sbx_1" } } });
  // @ts-expect-error the required body field `image` is missing
  await raw.POST("/v1/sandbox/run", { body: { name: "x" } });
  // @ts-expect-error `page` is an integer, not a string
  await raw.GET("/v1/sandbox", { params: { query: { page: "2" } } });
  // @ts-expect-error `command` must be an array of strings
  await porter.raw.POST("/v1/sandbox/{id}/exec", { params: { path: { id: "sbx_1" } }, body: { command: "ls" } });
  // @ts-expect-error porter.raw has no middleware: createRawClient (openapi-fetch itself) has
  porter.raw.use({});
  raw.use({ onRequest: ({ request }) => request });
}
