/**
 * The steps that send something: `send` (to the customer, by email, SMS or their choice)
 * and `notify` (to the team).
 */
import { z } from "zod";
import { SEND_CHANNELS } from "../types.js";
import { StepId, TemplateName, TopicName } from "./names.js";

const SendTarget = z
  .strictObject({
    template: TemplateName,
    channel: z
      .enum(SEND_CHANNELS, { error: "expected email, sms or preferred (the customer's choice, else email)" })
      .optional()
      .meta({
        description:
          "How to send it: email (default; config/templates/NAME/ with subject.hbs, body.mjml, text.hbs), " +
          "sms (config/templates/NAME/sms.hbs, to the customer's phone, with their SMS consent) or preferred " +
          "(the customer's choice, else email).",
      }),
  })
  .meta({ title: "send target", description: "A template and the channel to send it on." });

export const SendStep = z
  .strictObject({
    send: z.union([TemplateName, SendTarget]),
    id: StepId.optional(),
    transactional: z
      .boolean()
      .optional()
      .meta({
        description:
          "true: this message answers something the customer just did and goes out at once, outside the send " +
          "window and the frequency cap; false: it keeps to them even in a transactional flow. Default: the flow's.",
      }),
    topic: TopicName.optional().meta({
      description:
        "The topic of this message, if not the flow's (a topic listed in config/rapport.yaml), e.g. product_news.",
    }),
  })
  .meta({
    title: "send",
    description:
      "Send the customer a message made from a template: `send: thank-you` (email), or " +
      "`send: { template: care-tip, channel: sms }`.",
  });

export const NotifyStep = z
  .strictObject({
    notify: TemplateName.meta({
      description:
        "The template to send to the team (the address in brand settings): a folder in config/templates.",
      examples: ["owner-message-to-team"],
    }),
    id: StepId.optional(),
  })
  .meta({ title: "notify", description: "Send the team (not the customer) an email made from a template." });
