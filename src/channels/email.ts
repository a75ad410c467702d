/**
 * Email as a channel: the existing mailer (pooled SMTP on its sender thread, or the
 * outbox folder) behind the Channel interface. Its errors pass through unchanged: the
 * delivery job reads SMTP's own fields from them (refusalOf, isUncertainSendError) to
 * record a hard bounce or a possible duplicate, which a generic error would lose.
 */
import type { Mailer, OutgoingMail } from "../mail/transport.js";
import type { Channel } from "./channel.js";

export function emailChannel(mailer: Mailer): Channel<OutgoingMail> {
  return {
    name: "email",
    send: (mail, opts) => mailer.send(mail, opts),
    close: () => mailer.close(),
    describe: () => `email: ${mailer.describe()}`,
  };
}
