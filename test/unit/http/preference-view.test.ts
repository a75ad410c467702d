import { describe, expect, it } from "vitest";
import { BRAND_COLOR_DEFAULTS } from "../../../src/config/colors.js";
import { renderPreferencePage } from "../../../src/http/preference-view.js";

const view = {
  brand: {
    name: 'Lyra "Audio" <Co>',
    colors: { ...BRAND_COLOR_DEFAULTS, primary: "#1d4ed8" },
    postalAddress: "Hauptstraße 12 & Co, Berlin",
    defaultTimezone: "Europe/Berlin",
  },
  customer: { name: "<img src=x onerror=alert(1)> Lovelace", email: "ada@example.com" },
  owned: [{ name: "<b>RD</b>", status: "active" as const, startedAt: Date.UTC(2026, 2, 1), endedAt: null }],
  topics: [{ name: "product_news", title: 'News & "more"', description: "</span><script>x</script>" }],
  frequencyOptions: [{ value: "brand", label: "As often as we have news" }],
  timezones: ["Europe/Berlin", "America/Argentina/Buenos_Aires"],
  choices: {
    topics: { product_news: true },
    frequency: "brand",
    stayInTouch: false,
    birthday: { month: "", day: "", year: '"><script>' },
    timezone: "Etc/Unknown_Zone",
  },
  stopped: false,
  blocked: null,
};

describe("preference page view", () => {
  it("escapes everything that comes from customers, events and config", () => {
    const page = renderPreferencePage(view);
    expect(page).not.toMatch(/<script|<img|<b>/);
    expect(page).toContain("Hello &lt;img");
    expect(page).toContain("&lt;b&gt;RD&lt;/b&gt;");
    expect(page).toContain("News &amp; &quot;more&quot;");
    expect(page).toContain('value="&quot;&gt;&lt;script&gt;"');
    expect(page).toContain("<title>Your emails · Lyra &quot;Audio&quot; &lt;Co&gt;</title>");
    expect(page).toContain("<footer>Hauptstraße 12 &amp; Co, Berlin</footer>");
  });

  it("uses the brand's colours, groups zones by region and keeps the customer's own", () => {
    const page = renderPreferencePage(view);
    expect(page).toContain("--primary:#1d4ed8");
    expect(page).toContain(
      '<optgroup label="America"><option value="America/Argentina/Buenos_Aires">Argentina / Buenos Aires</option>',
    );
    expect(page).toContain('<option value="Etc/Unknown_Zone" selected>Unknown Zone</option>');
    expect(page).toContain('<option value="">Not set (we use Europe/Berlin)</option>');
  });

  it("ties each problem to its field and lists them at the top", () => {
    const page = renderPreferencePage({
      ...view,
      problems: [{ field: "birthday", message: "April has 30 days" }],
    });
    expect(page).toContain("<title>Error: Your emails");
    expect(page).toMatch(/role="alert" tabindex="-1" autofocus/);
    expect(page).toContain('<a href="#birthday-month">Birthday: April has 30 days</a>');
    expect(page).toMatch(
      /id="birthday-month" name="birthday_month" aria-describedby="birthday-hint birthday-month-error" aria-invalid="true"/,
    );
  });
});
