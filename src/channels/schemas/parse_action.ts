import type { z } from "zod";
import { P2pError, Reasons } from "../../protocol/errors.js";

/**
 * The data of a `perform`, checked against its schema: the parsed value (unknown fields dropped),
 * or a `P2pError` with reason `invalid_message` and the message of the first problem, which the
 * connection sends to the caller's subscription only.
 */
export function parseAction<T extends z.ZodType>(schema: T, data: unknown): z.output<T> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new P2pError(Reasons.invalidMessage, issue?.message ?? "malformed action data");
}
