#!/usr/bin/env node
/**
 * The `rapport` command. Each subcommand is a thin wrapper: parsing options here,
 * work in the modules it calls. Errors print as plain sentences and exit non-zero.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Command } from "commander";
import { existingReplyAddresses } from "./cli/addresses.js";
import { packageRoot, packageVersion } from "./cli/package-root.js";
import { loadSimulationConfig, readCustomerFile, simulateForCustomer } from "./cli/simulate.js";
import { smsShortLinkBase } from "./cli/sms-link-base.js";
import { formatTimeline } from "./cli/timeline-text.js";
import { storeLocation } from "./config/database.js";
import { loadSettings } from "./config/settings.js";
import { flowToMermaid, mermaidPage } from "./flows/graph.js";
import { loadFlows } from "./flows/load.js";
import { formatFlowError } from "./flows/parse.js";

const program = new Command();
program
  .name("rapport")
  .description("Post-purchase engagement worker: events in, flows run, personal email out, replies home.")
  .version(packageVersion(), "-V, --version", "print rapport's version")
  .showHelpAfterError();

program
  .command("init")
  .description(
    "lay out your own config/ (brand settings, the shipped flows and templates, an example customer) and schema/ in DIR",
  )
  .argument("[dir]", "the folder to write into", ".")
  .option("--force", "overwrite files that already exist")
  .action(async (dir: string, o: { force?: boolean }) => {
    const { formatInit, initProject } = await import("./cli/init.js");
    const to = resolve(dir);
    const result = await initProject({ from: packageRoot(), to, force: o.force === true });
    const text = formatInit(result, to, process.cwd());
    if (result.ok) process.stdout.write(`${text}\n`);
    else {
      process.stderr.write(`${text}\n`);
      process.exitCode = 1;
    }
  });

program
  .command("start")
  .description("run the HTTP API and the worker in one process (embedded defaults when nothing is set)")
  .option(
    "--role <role>",
    "all: HTTP API and worker; http: only the HTTP API and reply intake, the work left to `rapport worker` processes",
    "all",
  )
  .action(async (o: { role: string }) => {
    if (o.role !== "all" && o.role !== "http")
      throw new Error(`--role: expected all or http (a worker alone is \`rapport worker\`), got "${o.role}"`);
    await (await import("./cli/run-service.js")).runService(o.role);
  });

program
  .command("worker")
  .description("run only the worker (queues → flows → mail); scale by running several")
  .action(async () => (await import("./cli/run-service.js")).runService("worker"));

program
  .command("validate")
  .description(
    "check config/ (brand settings, flows, templates) without starting anything; exit 1 on problems",
  )
  .option("--config <dir>", "configuration directory", process.env.RAPPORT_CONFIG_DIR ?? "./config")
  .action(async (o: { config: string }) => {
    const { loadProject } = await import("./project.js");
    const result = await loadProject(resolve(o.config), { smsShortLinkBase: smsShortLinkBase(process.env) });
    // Warnings first, problems after: the last lines on screen are what must be fixed.
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
    const warned = result.warnings.length > 0 ? ` (${result.warnings.length} warning(s))` : "";
    if (!result.ok) {
      for (const p of result.problems) process.stderr.write(`${p}\n`);
      process.stderr.write(`\n${result.problems.length} problem(s) found${warned}.\n`);
      process.exitCode = 1;
      return;
    }
    // runs_in_flight: move is checked against the versions on record, where a store is at hand.
    const { moveProblemsOnRecord } = await import("./cli/move-check.js");
    const problems = await moveProblemsOnRecord(result.project.flows, loadSettings());
    if (problems.length > 0) {
      for (const p of problems) process.stderr.write(`${p}\n`);
      process.stderr.write(`\n${problems.length} problem(s) found.\n`);
      process.exitCode = 1;
      return;
    }
    for (const note of result.notes) process.stdout.write(`${note}\n`);
    process.stdout.write(`ok: ${result.summary}${warned}\n`);
  });

program
  .command("doctor")
  .description(
    "check the settings without sending anything: the DKIM key, the DNS TXT record to publish for it, and whether DNS has it; exit 1 on problems",
  )
  .option("--config <dir>", "configuration directory", process.env.RAPPORT_CONFIG_DIR ?? "./config")
  .action(async (o: { config: string }) => {
    const { runDoctor, systemDns } = await import("./cli/doctor.js");
    const result = await runDoctor({
      env: process.env,
      configDir: resolve(o.config),
      dns: systemDns(),
      out: (line) => process.stdout.write(`${line}\n`),
    });
    if (result.problems > 0) process.exitCode = 1;
  });

program
  .command("preview")
  .description("render a template with sample data (or yours) and write the HTML")
  .argument("<template>", "template name (a folder under config/templates)")
  .option(
    "--data <file.json|JSON>",
    'data to render with, laid over the built-in sample: a JSON file, or JSON itself (\'{"customer":{"name":"Grace"}}\')',
  )
  .option("--out <file.html>", "where to write the HTML (default ./var/preview/<template>.html)")
  .option(
    "--config <dir>",
    "configuration directory (its templates and its brand)",
    process.env.RAPPORT_CONFIG_DIR ?? "./config",
  )
  .action(async (name: string, o: { data?: string; out?: string; config: string }) => {
    const { readPreviewData } = await import("./cli/preview-data-arg.js");
    const data = o.data === undefined ? {} : await readPreviewData(o.data);
    const out = o.out ?? join("var", "preview", `${name}.html`);
    const { loadBrand } = await import("./config/brand.js");
    const brand = await loadBrand(join(resolve(o.config), "rapport.yaml"));
    const { previewTemplate } = await import("./templates/preview.js");
    const result = await previewTemplate(join(resolve(o.config), "templates"), name, data, out, brand);
    process.stdout.write(`subject: ${result.subject}\nwrote ${result.file}\n`);
  });

program
  .command("trigger")
  .description("post an event to a running rapport, as a registration form or shop would")
  .argument("[type]", "event type: registration, purchase, disposition, …")
  .option("--email <address>", "customer's email")
  .option("--name <name>", "customer's name")
  .option("--sku <sku>", "product SKU")
  .option("--product-name <name>", "product name")
  .option("--serial <serial>", "product serial number")
  .option("--category <category>", "product category")
  .option("--id <id>", "event id (a repeated id is accepted once)")
  .option("--file <event.json>", "the event as JSON; options above override its fields")
  .option("--url <url>", "rapport's HTTP address", `http://127.0.0.1:${process.env.PORT ?? "3000"}`)
  .option("--api-key <key>", "API key (default: RAPPORT_API_KEYS, else the one kept in ./var/api-key)")
  .action(async (type: string | undefined, o) => (await import("./cli/trigger.js")).trigger(type, o));

program
  .command("broadcast")
  .description(
    "run a flow for every owner of a product (--sku) or category (--category) on a running rapport, with a progress bar",
  )
  .argument("<flow>", "flow id (a file name in config/flows without .yaml), e.g. product-news")
  .option("--sku <sku>", "the owners of this product")
  .option("--category <category>", "the owners of every product in this category")
  .option(
    "--audience <sku:SKU|category:C>",
    "the same, in one option: sku:LYRA-RD-2780 or category:turntable",
  )
  .option(
    "--property <name=value>",
    "an event property the templates see as event.properties.NAME (repeatable)",
    (v: string, all: string[]) => [...all, v],
    [] as string[],
  )
  .option("--id <id>", "broadcast id (a repeated id is one broadcast; the command then follows it)")
  .option("--detach", "post it and print its id without following the progress")
  .option("--url <url>", "rapport's HTTP address", `http://127.0.0.1:${process.env.PORT ?? "3000"}`)
  .option("--api-key <key>", "API key (default: RAPPORT_API_KEYS, else the one kept in ./var/api-key)")
  .action(async (flow: string, o) => {
    await (await import("./cli/broadcast.js")).broadcast(flow, o);
  });

program
  .command("timeline")
  .description("print everything rapport knows about one customer, oldest first")
  .argument("<email>", "the customer's email")
  .option("--json", "print JSON instead of text (moments as ISO 8601)")
  .action(async (email: string, o: { json?: boolean }) => {
    const settings = loadSettings();
    const { openStore } = await import("./store/open-store.js");
    const store = await openStore(storeLocation(settings));
    try {
      const t = await store.timeline(email);
      if (!t) {
        process.stderr.write(`no customer with email ${email}\n`);
        process.exitCode = 1;
        return;
      }
      if (o.json) {
        const { timelineJson } = await import("./store/timeline-json.js");
        process.stdout.write(`${JSON.stringify(timelineJson(t), null, 2)}\n`);
        return;
      }
      const addresses = await existingReplyAddresses(settings);
      // A customer without a time zone of their own is shown in the brand's (else UTC).
      const { loadBrand } = await import("./config/brand.js");
      const brand = await loadBrand(join(resolve(settings.RAPPORT_CONFIG_DIR), "rapport.yaml")).catch(
        () => null,
      );
      const text = formatTimeline(t, {
        ...(addresses ? { ownerAddressFor: (id: string) => addresses.forOwnership(id) } : {}),
        ...(brand ? { defaultTimezone: brand.defaultTimezone } : {}),
      });
      process.stdout.write(`${text}\n`);
    } finally {
      await store.close();
    }
  });

program
  .command("graph")
  .description("draw a flow as a Mermaid flowchart (text, or an HTML page that renders it)")
  .argument("<flow>", "flow id (a file name in config/flows without .yaml) or the path of a flow file")
  .option("--html <file.html>", "write an HTML page that renders the chart in a browser")
  .option("--config <dir>", "configuration directory", process.env.RAPPORT_CONFIG_DIR ?? "./config")
  .action(async (arg: string, o: { html?: string; config: string }) => {
    const flow = await (await import("./cli/flow-arg.js")).findFlow(arg, o.config);
    if (o.html) {
      await mkdir(dirname(resolve(o.html)), { recursive: true });
      await writeFile(o.html, mermaidPage(flow));
      process.stdout.write(`wrote ${o.html}\n`);
    } else {
      process.stdout.write(flowToMermaid(flow));
    }
  });

program
  .command("simulate")
  .description(
    "dry-run a flow for one customer on a virtual clock and print what they would receive, and when",
  )
  .argument("<flow>", "flow id (a file name in config/flows without .yaml)")
  .requiredOption("--customer <file.json>", "the customer, product, start, and scripted replies (see README)")
  .option("--days <n>", "how many days to simulate", "400")
  .option("--json", "print the entries as JSON")
  .option("--config <dir>", "configuration directory", process.env.RAPPORT_CONFIG_DIR ?? "./config")
  .action(async (id: string, o: { customer: string; days: string; json?: boolean; config: string }) => {
    const { flows, errors } = await loadFlows(join(resolve(o.config), "flows"));
    const flow = flows.find((f) => f.id === id);
    if (!flow) {
      const problems = errors.filter((e) => e.file.endsWith(`/${id}.yaml`) || e.file.endsWith(`/${id}.yml`));
      if (problems.length > 0) throw new Error(problems.map(formatFlowError).join("\n"));
      throw new Error(`no flow "${id}"; flows: ${flows.map((f) => f.id).join(", ") || "none"}`);
    }
    const days = Number(o.days);
    if (!Number.isFinite(days) || days <= 0 || days > 36_500)
      throw new Error("--days: expected a number of days (1 to 36500)");
    const file = await readCustomerFile(o.customer);
    const config = await loadSimulationConfig(resolve(o.config));
    const report = simulateForCustomer(flow, file, config, { days, now: Date.now() });
    process.stdout.write(`${o.json ? JSON.stringify(report.entries, null, 2) : report.text}\n`);
  });

program
  .command("inspect-mail")
  .description(
    "print what rapport makes of each message (kind, bounce, attribution, new text) as JSON lines; stores nothing",
  )
  .argument("<files...>", ".eml files")
  .action(async (files: string[]) => {
    const { inspectMail } = await import("./cli/inspect-mail.js");
    const { failures, problems } = await inspectMail(files, loadSettings(), (line) =>
      process.stdout.write(`${line}\n`),
    );
    for (const problem of problems) process.stderr.write(`rapport: ${problem}\n`);
    if (failures > 0) process.exitCode = 1;
  });

program
  .command("reply")
  .description(
    "answer a sent message (an .eml from the outbox) as the customer would, through the inbound SMTP listener",
  )
  .argument(
    "<message>",
    "a message rapport sent (an .eml file), or an email address: the newest message to it in the outbox",
  )
  .requiredOption("--text <text>", "what the customer writes")
  .option(
    "--subject <subject>",
    "the subject (default: Re: … for a reply, the first line of --text for the owner line)",
  )
  .option(
    "--to <target>",
    "reply (its Reply-To, default), owner (the owner line it shows) or an address",
    "reply",
  )
  .option("--host <host>", "the inbound SMTP listener's host", process.env.INBOUND_SMTP_HOST ?? "127.0.0.1")
  .option("--port <port>", "the inbound SMTP listener's port", process.env.INBOUND_SMTP_PORT ?? "2525")
  .action(
    async (file: string, o: { text: string; subject?: string; to: string; host: string; port: string }) => {
      const outbox = join(process.env.RAPPORT_DATA_DIR ?? "./var", "outbox");
      const { latestSentTo, replyToMessage } = await import("./cli/reply.js");
      const eml = file.includes("@") && !file.endsWith(".eml") ? await latestSentTo(outbox, file) : file;
      const sent = await replyToMessage(eml, {
        text: o.text,
        ...(o.subject ? { subject: o.subject } : {}),
        to: o.to,
        host: o.host,
        port: Number(o.port),
      });
      process.stdout.write(`sent to ${sent.to}: ${sent.response}\n`);
    },
  );

program
  .command("retry")
  .description(
    "bring failed messages back (queued again, sent by the running rapport); --kind events|inbound|all for other failed work",
  )
  .argument("[ids...]", "message ids (or event / inbound ids with --kind)")
  .option("--failed", "every failed row of the kind")
  .option("--kind <kind>", "messages, events, inbound, or all (with --failed)", "messages")
  .option("--limit <n>", "at most this many rows per kind with --failed", "10000")
  .action(async (ids: string[], o: { failed?: boolean; kind: string; limit: string }) => {
    const { formatRetry, parseRetryKind, retryCommand } = await import("./cli/retry.js");
    const limit = Number(o.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new Error("--limit: expected a positive whole number");
    const settings = loadSettings();
    const outcomes = await retryCommand(
      { ids, failed: o.failed === true, kind: parseRetryKind(o.kind), limit },
      settings,
    );
    process.stdout.write(`${formatRetry(outcomes, settings.RAPPORT_SWEEP_INTERVAL_MS)}\n`);
    const back = new Set(outcomes.flatMap((r) => r.reset));
    const left = ids.filter((id) => !back.has(id));
    if (left.length > 0) {
      process.stderr.write(
        `not brought back (no such id, or not failed: sent, being sent): ${left.join(", ")}\n`,
      );
      process.exitCode = 1;
    }
  });

program.parseAsync().catch((err: unknown) => {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`rapport: ${message}\n`);
  process.exit(1);
});
