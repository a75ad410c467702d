/**
 * The part of html-to-text's API rapport uses (the package ships no type declarations and
 * adding @types/html-to-text would change the install). See its README for the options.
 */
declare module "html-to-text" {
  export interface SelectorDefinition {
    selector: string;
    format?: string;
    options?: Record<string, unknown>;
  }
  export interface HtmlToTextOptions {
    wordwrap?: number | false | null;
    preserveNewlines?: boolean;
    limits?: { maxInputLength?: number; maxDepth?: number; maxChildNodes?: number; ellipsis?: string };
    selectors?: SelectorDefinition[];
    // Formatters receive html-to-text's DOM node, walk function and block builder.
    // biome-ignore lint/suspicious/noExplicitAny: the library's formatter signature is untyped.
    formatters?: Record<string, (elem: any, walk: any, builder: any, formatOptions: any) => void>;
  }
  export function compile(options?: HtmlToTextOptions): (html: string) => string;
  export function convert(html: string, options?: HtmlToTextOptions): string;
}
