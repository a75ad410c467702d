/** Each queue's depth as BullMQ counts it (getJobCounts), for the dashboard's queues page. */
import type { Queue } from "bullmq";
import type { Queues } from "../../jobs/queues.js";

export interface QueueCounts {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

const STATES = ["waiting", "active", "delayed", "failed"] as const;

export async function queueCountsOf(
  queues: Pick<Queues, "events" | "steps" | "deliveries" | "inbound" | "broadcasts">,
): Promise<QueueCounts[]> {
  const all: Queue[] = [queues.events, queues.steps, queues.deliveries, queues.inbound, queues.broadcasts];
  return Promise.all(
    all.map(async (q) => {
      const c = await q.getJobCounts(...STATES);
      return {
        name: q.name,
        waiting: c.waiting ?? 0,
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        failed: c.failed ?? 0,
      };
    }),
  );
}
