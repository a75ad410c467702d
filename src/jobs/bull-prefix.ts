/**
 * The key prefix BullMQ is given for one of rapport's queues: the plain setting
 * RAPPORT_QUEUE_PREFIX and the queue's name as a Redis Cluster hash tag, `{rapport:steps}`
 * (keys then read `{rapport:steps}:steps:wait`, `{rapport:steps}:steps:<job id>`, …).
 *
 * Why a hash tag: BullMQ's Lua scripts touch several keys of a queue at once (wait,
 * active, delayed, the job's hash and lock, …) and Redis Cluster refuses a script whose
 * keys hash to different slots (CROSSSLOT). Only the part in braces is hashed, so every
 * key of a queue lands in one slot. A plain server ignores the braces.
 *
 * Why one tag per queue rather than one for all: no script of rapport's spans two
 * queues. rapport uses no FlowProducer and no `parent` jobs (the one BullMQ feature whose
 * scripts reach into another queue); a step that queues a delivery makes a separate add,
 * and the store is the truth between the two. So each queue may sit on its own cluster
 * node and the busy ones (steps, deliveries) need not share one, as BullMQ's Redis
 * Cluster guide advises. Should a script ever span queues, every queue must share one
 * tag: change it here, in the one place, knowing that a changed prefix leaves jobs under
 * the old keys unread (the sweeper re-queues their work from the store).
 *
 * Queue (queues.ts) and Worker (workers.ts) both call this with the plain setting, so
 * they always agree.
 */
export function bullPrefix(prefix: string, queue: string): string {
  for (const [what, value] of [
    ["queue prefix", prefix],
    ["queue name", queue],
  ] as const) {
    // A brace inside would end the tag early or start another, and the slot would change.
    if (value === "" || /[{}]/.test(value))
      throw new Error(`${what} ${JSON.stringify(value)}: expected a non-empty name without { or }`);
  }
  return `{${prefix}:${queue}}`;
}
