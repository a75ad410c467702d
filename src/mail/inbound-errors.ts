/**
 * The errors understanding inbound mail ends with on purpose: a message above the size
 * limit (refused before any parsing) and one not understood within the limits. In a
 * module of their own so that code which only needs to recognise them (the inbound job,
 * the understander's pool) does not load mailparser (~30 MB a process).
 */
export class MessageTooLargeError extends Error {
  readonly size: number;
  readonly maxBytes: number;
  constructor(size: number, maxBytes: number) {
    super(`inbound message is ${size} bytes, above the maxBytes limit of ${maxBytes} bytes`);
    this.name = "MessageTooLargeError";
    this.size = size;
    this.maxBytes = maxBytes;
  }
}

/**
 * A message could not be understood within the limits (deadline, memory): trying again will
 * not help, so the caller marks it failed with `reason` instead of retrying.
 */
export class MailNotUnderstoodError extends Error {
  readonly reason: string;
  constructor(reason: string) {
    super(`the inbound message could not be understood: ${reason}`);
    this.name = "MailNotUnderstoodError";
    this.reason = reason;
  }
}
