/** A clock rapport reads (StartOptions.clock); `set(t)` makes it read t now, ticking on from there. */
export function movableClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    set(t: number) {
      offset = t - Date.now();
    },
  };
}
