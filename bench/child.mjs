// Runs one bench module in this (fresh) process and sends its result to the parent: `run.mjs` forks
// this so that every benchmark starts from a clean heap and JIT.
const [module, ...args] = process.argv.slice(2);
const { run } = await import(new URL(`./${module}.mjs`, import.meta.url).href);
const result = await run(args);
process.send?.(result);
process.disconnect?.();
