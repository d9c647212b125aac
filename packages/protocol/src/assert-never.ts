/** Ends an exhaustive `switch`: compile error when a case is missing, throw at run time. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}
