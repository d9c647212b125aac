/** Rounds for the JSON line: one decimal unless told. */
export function round(v: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Runs a benchmark's main; a failure prints and exits non-zero. */
export function runBenchmark(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
