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
 */
export const SERVICE_NODE_FLAGS = ["--max-semi-space-size=2"] as const;
