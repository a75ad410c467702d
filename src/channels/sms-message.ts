/** One text message as the SMS transports take it, rendered and addressed. */
export interface OutgoingSms {
  /** The outbox row's id: the delivery report comes back for it. */
  messageId: string;
  /** The customer's number, E.164 (+447700900123). */
  to: string;
  /** Our sender: a number, a short code or an alphanumeric sender id (SMS_FROM). */
  from: string;
  text: string;
}
