import { describe, expect, it } from "vitest";
import { knownEventTypes, unknownTypeWarning } from "../../../src/flows/event-types.js";
import type { Flow } from "../../../src/flows/types.js";

const flow = (over: Partial<Flow>): Flow => ({ ...({} as Flow), steps: [], ...over });

describe("known event types", () => {
  it("are the built-ins, the flows' trigger events and their wait_for events", () => {
    const flows = [
      flow({ trigger: { event: "purchase" } }),
      flow({ trigger: { date: "customer.birthday", every: "year", at: "09:00" } as Flow["trigger"] }),
      flow({
        trigger: { event: "product_news" },
        steps: [
          {
            id: "w",
            type: "wait_for",
            event: "review_posted",
            timeoutMs: 1,
            timeout: "1 day",
            onEvent: [],
            onTimeout: [],
          },
        ],
      }),
    ];
    expect(knownEventTypes(flows)).toEqual([
      "disposition",
      "product_news",
      "purchase",
      "registration",
      "review_posted",
    ]);
  });

  it("warn about an unknown type with the nearest known one and the list", () => {
    const known = ["disposition", "purchase", "registration"];
    expect(unknownTypeWarning("registration", known)).toBeNull();
    expect(unknownTypeWarning("registraton", known)).toBe(
      'event type "registraton" is not known: no flow starts on it or waits for it, and it is not built in; did you mean "registration"? Known types: disposition, purchase, registration. The event was stored and does nothing else.',
    );
    const far = unknownTypeWarning("newsletter_signup", known) as string;
    expect(far).not.toContain("did you mean");
    expect(far).toContain("Known types: disposition, purchase, registration.");
  });
});
