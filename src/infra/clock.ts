/** Time as a dependency: jobs take a Clock so tests and simulations can choose the time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
