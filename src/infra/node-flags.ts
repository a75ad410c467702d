/**
 * Node's own flags for rapport's long-running processes (`rapport start`, `rapport
 * worker`). They must be given when Node starts (a running process cannot change them),
 * so they are written where Node is started: the shebang of bin/rapport.js (which `npx
 * rapport` and an installed `rapport` run), the Dockerfile's ENTRYPOINT, and the bench's
 * and tests' child processes (test/support/child-rapport.ts). A unit test keeps the three
 * in step with this list.
 *
 * --max-semi-space-size=8 (MB): V8's young generation, per isolate (the main thread, the
 * SMTP sender thread, the checkpoint thread), is 8 MB semi-spaces instead of the default
 * 16, which a busy worker fills and keeps resident. Smaller is not cheaper: a worker's
 * young objects are mostly work in flight (the jobs' rows, a 20 KB rendered message on
 * each side of the sender thread, nodemailer's streams), alive across a few awaits, so each
 * scavenge copies about the same live set however small the space, and a small one makes
 * that copy often and promotes the rest into the old generation. Measured with --trace-gc
 * on the worker, 5,000 thank-yous (BENCH_ONLY=throughput, sqlite, 1 worker), time in GC
 * pauses summed over its threads: 2 MB 2.8–3.0 s, 4 MB 2.0 s, 6 MB 1.3 s, 8 MB 1.3–1.4 s,
 * 16 MB 0.85 s; the worker's CPU per message 2.46–2.63 ms at 2 MB against 2.23–2.39 at 8,
 * three runs of each alternated. RSS after 10,000 registrations (BENCH_ONLY=rss): 2 MB
 * 200 MB, 6 MB 227, 8 MB 228–231, 16 MB 257, over the 250 MB this worker is held to.
 *
 * --heap-growing-percent=75: after each full collection V8 lets the old generation grow
 * to 1.75 times what survived it, instead of the factor of up to 4 it picks by itself
 * (about 3 here). A busy worker's live data is about 45 MB; with a small young
 * generation (these figures are from 2 MB semi-spaces), what a job holds across an
 * await (a row, a rendered message) is promoted and then dies there, so V8 let the old
 * generation fill to 130–150 MB between full collections. Measured with BENCH_ONLY=rss
 * and BENCH_ONLY=broadcast (npm run bench):
 * RSS after 10,000 registrations 234 MB (peak 307) → 198 MB (peak 200), during product
 * news to 20,000 owners 277 MB (peak 320) → 192 MB (peak 196). The price is more full
 * collections, whose marking runs on V8's helper threads: the worker's CPU per message
 * (BENCH_ONLY=throughput, 4 runs each, alternated) moved by less than this machine's
 * run-to-run noise (about ±10%). 50 saved no more memory; 100 kept 213 MB. Not a limit:
 * a larger live set grows the heap as before, only the slack above it is smaller.
 */
export const SERVICE_NODE_FLAGS = ["--max-semi-space-size=8", "--heap-growing-percent=75"] as const;
