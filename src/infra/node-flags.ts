/**
 * Node's own flags for rapport's long-running processes (`rapport start`, `rapport
 * worker`). They must be given when Node starts (a running process cannot change them),
 * so they are written where Node is started: the shebang of bin/rapport.js (which `npx
 * rapport` and an installed `rapport` run), the Dockerfile's ENTRYPOINT, and the bench's
 * and tests' child processes (test/support/child-rapport.ts). A unit test keeps the three
 * in step with this list.
 *
 * --max-semi-space-size=2 (MB): V8's young generation, per isolate (the main thread, the
 * SMTP sender thread, the checkpoint thread), defaults to 16 MB semi-spaces, 32 MB of new
 * space each, which a busy worker fills and keeps resident. At 2 MB the worker's RSS after
 * 10,000 registrations went 281 → 210 MB (npm run bench, BENCH_ONLY=rss), with no CPU per
 * message to tell apart (npm run bench:path: the scavenges are more frequent but each has
 * the same few live objects to copy).
 *
 * --heap-growing-percent=75: after each full collection V8 lets the old generation grow
 * to 1.75 times what survived it, instead of the factor of up to 4 it picks by itself
 * (about 3 here). A busy worker's live data is about 45 MB; with its small young
 * generation, what a job holds across an await (a row, a rendered message) is promoted
 * and then dies there, so V8 let the old generation fill to 130–150 MB between full
 * collections. Measured with BENCH_ONLY=rss and BENCH_ONLY=broadcast (npm run bench):
 * RSS after 10,000 registrations 234 MB (peak 307) → 198 MB (peak 200), during product
 * news to 20,000 owners 277 MB (peak 320) → 192 MB (peak 196). The price is more full
 * collections, whose marking runs on V8's helper threads: the worker's CPU per message
 * (BENCH_ONLY=throughput, 4 runs each, alternated) moved by less than this machine's
 * run-to-run noise (about ±10%). 50 saved no more memory; 100 kept 213 MB. Not a limit:
 * a larger live set grows the heap as before, only the slack above it is smaller.
 */
export const SERVICE_NODE_FLAGS = ["--max-semi-space-size=2", "--heap-growing-percent=75"] as const;
