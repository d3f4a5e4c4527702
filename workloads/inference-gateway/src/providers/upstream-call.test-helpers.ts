/** Test helpers: drive an {@link UpstreamCall} as undici's dispatcher would. */
import { setImmediate as tick } from "node:timers/promises";
import type { Dispatcher } from "undici";
import type { UpstreamCall } from "./upstream-call.ts";

/** A dispatch controller that records what the handler asked for; abort reports to the call. */
export function fakeController(
  call: UpstreamCall,
): Dispatcher.DispatchController & { aborted: boolean; paused: boolean } {
  const c = {
    aborted: false,
    paused: false,
    reason: null as Error | null,
    abort(reason: Error): void {
      if (c.aborted) return;
      c.aborted = true;
      c.reason = reason;
      call.onResponseError(c, reason);
    },
    pause(): void {
      c.paused = true;
    },
    resume(): void {
      c.paused = false;
    },
  };
  return c;
}

/** Feeds `chunks` one per event-loop turn, then ends (unless the call was aborted). */
export async function feed(
  call: UpstreamCall,
  controller: Dispatcher.DispatchController & { aborted: boolean },
  chunks: (string | Buffer)[],
  end = true,
): Promise<void> {
  for (const ch of chunks) {
    await tick();
    if (controller.aborted) return;
    call.onResponseData(controller, typeof ch === "string" ? Buffer.from(ch) : ch);
  }
  await tick();
  if (end && !controller.aborted) call.onResponseEnd();
}
