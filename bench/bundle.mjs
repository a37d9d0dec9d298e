// Target 3: the main entry bundled as the quickstart uses it (esbuild, browser platform, minified,
// everything included), gzipped; openapi-fetch alone for scale. The per-module breakdown comes from
// bundling the same seed against src/ (the shipped file is one module, so it cannot be broken down).
import { BUNDLE_TARGET_BYTES, browserBundle, openapiFetchAlone, quickstart } from "./bundle-size.mjs";
import { fmt, isMain, printResult, root, sdkEntry } from "./lib.mjs";

export async function run() {
  const sdk = await browserBundle(quickstart(await sdkEntry()), root);
  const alone = await browserBundle(openapiFetchAlone, root);
  const bySource = await browserBundle(quickstart("./src/index.ts"), root);
  return {
    id: "bundle",
    title: "Browser bundle of the quickstart (esbuild, platform browser, minify, gzip)",
    method:
      "esbuild bundle + minify, format esm, platform browser, target es2022, every dependency included; gzip at zlib's default level.",
    rows: [
      {
        what: "Quickstart bundle, gzipped",
        sdk: fmt.kib(sdk.gzipBytes),
        openapiFetch: fmt.kib(alone.gzipBytes),
        plainFetch: "0 KiB",
        ratio: sdk.gzipBytes / alone.gzipBytes,
        target: `≤ ${BUNDLE_TARGET_BYTES / 1024} KiB`,
        met: sdk.gzipBytes <= BUNDLE_TARGET_BYTES,
        note: `${fmt.kib(sdk.bytes)} minified`,
      },
      {
        what: "Node builtins in the bundle",
        sdk: sdk.nodeImports.length ? sdk.nodeImports.join(", ") : "none",
        openapiFetch: alone.nodeImports.length ? alone.nodeImports.join(", ") : "none",
        plainFetch: "",
        ratio: undefined,
        target: "none",
        met: sdk.nodeImports.length === 0,
      },
    ],
    breakdown: bySource.inputs.map((i) => ({ file: i.file, minifiedBytes: i.bytes })),
    breakdownTotal: { bytes: bySource.bytes, gzipBytes: bySource.gzipBytes },
  };
}

if (isMain(import.meta.url)) {
  const r = await run();
  printResult(r);
  console.log(r.breakdown.map((b) => `${String(b.minifiedBytes).padStart(7)}  ${b.file}`).join("\n"));
}
