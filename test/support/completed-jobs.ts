/**
 * The jobs of a queue that completed, with what they returned, read from the queue's
 * event stream (BullMQ writes a `completed` event with the return value for every job):
 * jobs removed on completion (wake-up batches) leave no job behind to look at.
 */
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";

export interface CompletedJob {
  jobId: string;
  returnvalue: unknown;
}

export async function completedJobs(redis: Redis, queue: Queue): Promise<CompletedJob[]> {
  const entries = await redis.xrange(queue.keys.events as string, "-", "+");
  const completed: CompletedJob[] = [];
  for (const [, flat] of entries) {
    const fields = new Map<string, string>();
    for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i] as string, flat[i + 1] as string);
    if (fields.get("event") !== "completed") continue;
    const raw = fields.get("returnvalue");
    completed.push({
      jobId: fields.get("jobId") ?? "",
      returnvalue: raw === undefined ? null : JSON.parse(raw),
    });
  }
  return completed;
}
