/** Builds what a template sees from the store's rows and the brand settings. */
import type { Brand } from "../config/brand.js";
import { type ConsentLinks, unsubscribeUrlFor } from "../consent/links.js";
import { preferenceView } from "../consent/preferences.js";
import { mailbox } from "../mail/display-name.js";
import type { ReplyAddresses } from "../mail/tokens.js";
import type { DeliveryContext } from "../store/store.js";
import type { TemplateData } from "../templates/data.js";

export function firstNameOf(name: string | null): string | null {
  const first = name?.trim().split(/\s+/)[0];
  return first ? first : null;
}

/** The owner line as people see it: "Lyra RD 2780 owners' desk <reply+…@replyDomain>". */
export function ownerMailbox(product: { sku: string; name: string | null }, address: string): string {
  return mailbox(`${product.name ?? product.sku} owners' desk`, address);
}

/** What templates see of the brand settings. */
export function brandTemplateData(brand: Brand): TemplateData["brand"] {
  return {
    name: brand.name,
    fromAddress: brand.from,
    postalAddress: brand.postalAddress,
    publicUrl: brand.publicUrl,
    supportAddress: brand.supportAddress ?? null,
  };
}

export function templateDataFor(
  ctx: DeliveryContext,
  brand: Brand,
  addresses: ReplyAddresses,
  links: ConsentLinks,
): TemplateData {
  const { customer, product, ownership, event, message } = ctx;
  const ownerAddress = ownership ? addresses.forOwnership(ownership.id) : null;
  return {
    customer: {
      email: customer.email,
      name: customer.name,
      firstName: firstNameOf(customer.name),
      locale: customer.locale,
      timezone: customer.timezone,
      birthday: customer.birthday,
      attributes: customer.attributes,
      preferences: preferenceView(customer.preferences),
    },
    product: product
      ? {
          sku: product.sku,
          name: product.name,
          category: product.category,
          serial: ownership?.serial ?? null,
        }
      : null,
    brand: brandTemplateData(brand),
    event: event ? { type: event.type, properties: event.body.properties ?? {} } : null,
    message: { id: message.id },
    ownerAddress,
    ownerMailbox: ownerAddress && product ? ownerMailbox(product, ownerAddress) : ownerAddress,
    replyAddress: addresses.forMessage(message.id),
    preferencesUrl: links.preferencesUrl(customer.id),
    unsubscribeUrl: unsubscribeUrlFor(message, links),
  };
}
