/**
 * What a preview renders with: `previewData(partial, brand?)` is the sample data
 * (sample-data.ts) with the config's brand in place of the sample's (its name, addresses,
 * and the reply domain and website the sample's addresses and links then use), the
 * caller's partial data laid over it, and then what a real message derives from what was
 * given (src/jobs/template-data.ts): `customer.firstName` from a given `customer.name`,
 * `ownerMailbox` from the product and owner line, no owner line without a product.
 * A field the caller gives itself is never replaced.
 */
import type { Brand } from "../config/brand.js";
import { brandTemplateData, firstNameOf, ownerMailbox } from "../jobs/template-data.js";
import type { TemplateData } from "./data.js";
import { deepMerge, isPlainObject, sampleTemplateData } from "./sample-data.js";

/** The sample's addresses and links moved to the brand's reply domain and website. */
function sampleFor(brand: Brand | undefined): TemplateData {
  const sample = sampleTemplateData();
  if (!brand) return sample;
  const local = (address: string | null) => address?.slice(0, address.indexOf("@")) ?? null;
  const ownerAddress = `${local(sample.ownerAddress)}@${brand.replyDomain}`;
  const site = brand.publicUrl.replace(/\/+$/, "");
  const token = (url: string | null) => url?.slice(url.lastIndexOf("/") + 1) ?? "";
  return {
    ...sample,
    brand: brandTemplateData(brand),
    ownerAddress,
    ownerMailbox: sample.product ? ownerMailbox(sample.product, ownerAddress) : ownerAddress,
    replyAddress: `${local(sample.replyAddress)}@${brand.replyDomain}`,
    preferencesUrl: `${site}/p/${token(sample.preferencesUrl)}`,
    unsubscribeUrl: `${site}/u/${token(sample.unsubscribeUrl)}`,
  };
}

function given(partial: Record<string, unknown>, section: string, key: string): boolean {
  const part = partial[section];
  return isPlainObject(part) && Object.hasOwn(part, key);
}

export function previewData(partial: unknown, brand?: Brand): TemplateData {
  if (!isPlainObject(partial))
    throw new Error('template data must be a JSON object, e.g. {"customer": {"name": "Ada"}}');
  // The template decides what it needs; a wrongly shaped value shows up in the preview or as a render error.
  const data = deepMerge(sampleFor(brand), partial) as TemplateData;
  if (given(partial, "customer", "name") && !given(partial, "customer", "firstName")) {
    const name = data.customer.name;
    data.customer.firstName = typeof name === "string" ? firstNameOf(name) : null;
  }
  const has = (key: string) => Object.hasOwn(partial, key);
  if (has("product") && data.product === null && !has("ownerAddress")) data.ownerAddress = null;
  if (!has("ownerMailbox")) {
    data.ownerMailbox =
      data.ownerAddress && data.product ? ownerMailbox(data.product, data.ownerAddress) : data.ownerAddress;
  }
  return data;
}
