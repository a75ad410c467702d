/** A UK mobile number per bench customer: +447911100000, +447911100001, … (E.164, valid for libphonenumber). */
export const benchPhone = (i: number) => `+447911${String(100_000 + i).padStart(6, "0")}`;
