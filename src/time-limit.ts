/**
 * The promise's value, or the error `onTimeout` makes once `ms` have passed (the promise itself is left
 * running; whoever cares about its late outcome keeps a reference to it).
 */
export async function withinMs<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
