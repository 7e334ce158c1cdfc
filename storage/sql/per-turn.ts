/**
 * Calls made in one turn of the event loop, run together: the first call schedules `run` with `setImmediate`, which
 * fires after the turn's I/O callbacks, so every request whose work reached this step in the same turn joins the
 * batch. `run` answers one result per input, in order; an element may be a promise, so one input can fail alone.
 * A batch holds at most `max` inputs; the rest go in the next one.
 *
 * This is how the SQL storages share one commit or one round trip between concurrent requests without delaying a
 * lone request (under no load a batch is one call, run at the end of the turn it came in).
 */
export function perTurn<I, O>(run: (inputs: I[]) => Promise<Array<O | Promise<O>>>, max = 64): (input: I) => Promise<O> {
  type Waiting = { input: I; resolve(value: O | Promise<O>): void; reject(error: unknown): void };
  const waiting: Waiting[] = [];

  const flush = (): void => {
    const batch = waiting.splice(0, max);
    if (waiting.length > 0) setImmediate(flush);
    run(batch.map((w) => w.input)).then(
      (results) => batch.forEach((w, i) => w.resolve(results[i])),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
  };

  return (input) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ input, resolve, reject });
      if (waiting.length === 1) setImmediate(flush);
    });
}
