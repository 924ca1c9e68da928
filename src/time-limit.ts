/**
 * The promise's value, or the error `onTimeout` makes once `ms` have passed (the promise itself is left
 * running; whoever cares about its late outcome keeps a reference to it). One promise and one timer per
 * call: every guarded store call and every feedback event's commit wait goes through here.
 */
export function withinMs<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}
