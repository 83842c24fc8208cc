// End-to-end tests of the TypeScript client generated from openapi/openapi.json
// (`cargo xtask clients` writes it to target/clients/typescript/src/client) against the real
// `bantz` binary. Nothing here is generated; nothing generated is edited.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { copyFileSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { createClient } from "../../../target/clients/typescript/src/client/client/index.js";
import {
  chat,
  deleteConversation,
  getSkill,
  listCommands,
  listConversationMessages,
  listConversations,
  listSkills,
  parseCommand,
  runCommand,
  streamNotifications,
  type ErrorBody,
  type Notification,
  type NotificationEvent,
} from "../../../target/clients/typescript/src/client/index.js";

// Compiled to target/clients/typescript/dist/openapi/clients/typescript/: seven levels below the repo.
const ROOT = resolve(__dirname, "../../../../../../..");
const BIN = process.env.BANTZ_BIN ?? join(ROOT, "target/debug/bantz");
const SKILLS = process.env.BANTZ_TEST_SKILLS ?? join(ROOT, "dist/skills");
const TOKEN = "ts-e2e-token-0123456789";

let host: ChildProcess;
let dir: string;
let baseUrl: string;

function client(token: string | null = TOKEN) {
  return createClient({
    baseUrl,
    headers: token === null ? {} : { Authorization: `Bearer ${token}` },
  });
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === "object" &&
    value !== null &&
    "error" in value &&
    typeof (value as ErrorBody).error.code === "string" &&
    typeof (value as ErrorBody).error.message === "string"
  );
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "bantz-ts-e2e-"));
  mkdirSync(join(dir, "data"));
  mkdirSync(join(dir, "skills"));
  for (const skill of ["clock", "reminders"]) {
    copyFileSync(join(SKILLS, `${skill}.wasm`), join(dir, "skills", `${skill}.wasm`));
  }
  writeFileSync(
    join(dir, "bantz.toml"),
    "[rate_limits]\nchat = 0\ncommands = 0\nreads = 0\npairing = 0\n",
  );
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith("BANTZ_")),
  );
  host = spawn(
    BIN,
    [
      "serve", "--host", "127.0.0.1", "--port", "0",
      "--data-dir", join(dir, "data"), "--skills-dir", join(dir, "skills"),
      "--config", join(dir, "bantz.toml"),
      "--cache-dir", join(ROOT, "target/test-compile-cache"),
    ],
    {
      env: { ...env, BANTZ_API_TOKEN: TOKEN },
      // The host's log: target/clients/typescript/bantz.log.
      stdio: ["ignore", "pipe", openSync(join(ROOT, "target/clients/typescript/bantz.log"), "w")],
    },
  );
  baseUrl = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error("bantz did not start in 120 s")), 120_000);
    host.once("exit", (code) => fail(new Error(`bantz exited (${code}) before listening`)));
    createInterface({ input: host.stdout! }).on("line", (line) => {
      if (line.startsWith("bantz listening on ")) {
        clearTimeout(timer);
        ok(line.slice("bantz listening on ".length).split(/\s+/)[0]!);
      }
    });
  });
  host.stdout!.resume();
});

after(() => {
  host?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("chat answers and continues a session", async () => {
  const { data, error } = await chat({ client: client(), body: { message: "what time is it?" } });
  assert.equal(error, undefined);
  assert.ok(data);
  assert.ok(data.response.length > 0);
  assert.deepEqual(data.tools_used, ["clock.now"]);
  assert.equal(typeof data.session_id, "string");
  const again = await chat({
    client: client(),
    body: { message: "saat kaç?", session_id: data.session_id },
  });
  assert.equal(again.data?.session_id, data.session_id);
});

test("the skills list and one skill", async () => {
  const { data } = await listSkills({ client: client() });
  assert.ok(data);
  const names = data.map((s) => s.name).sort();
  assert.deepEqual(names, ["clock", "reminders"]);
  const clock = await getSkill({ client: client(), path: { name: "clock" } });
  assert.equal(clock.data?.status, "active");
  assert.ok(clock.data?.commands.length);
});

test("commands: list, parse, run", async () => {
  const list = await listCommands({ client: client() });
  assert.ok(list.data?.some((c) => c.command === "clock.now"));
  const parsed = await parseCommand({ client: client(), body: { input: "saat kaç" } });
  assert.equal(parsed.data?.command, "clock.now");
  assert.ok((parsed.data?.confidence ?? 0) > 0);
  const ran = await runCommand({ client: client(), body: { command: "clock.now", locale: "en" } });
  assert.ok(ran.data);
  assert.deepEqual(ran.data.tools_used, ["clock.now"]);
  assert.ok(ran.data.response.length > 0);
});

test("conversations: list, messages, delete", async () => {
  const said = await chat({ client: client(), body: { message: "saat kaç" } });
  const id = said.data!.session_id;
  const list = await listConversations({ client: client() });
  assert.ok(list.data?.some((c) => c.id === id));
  const messages = await listConversationMessages({ client: client(), path: { id } });
  assert.ok(messages.data);
  assert.deepEqual(messages.data.map((m) => m.role), ["user", "assistant"]);
  assert.equal(messages.data[0]!.text, "saat kaç");
  const deleted = await deleteConversation({ client: client(), path: { id } });
  assert.equal(deleted.response.status, 204);
  const gone = await listConversationMessages({ client: client(), path: { id } });
  assert.equal(gone.response.status, 404);
  assert.ok(isErrorBody(gone.error));
});

test("the notification stream delivers a reminder as a typed Notification", async () => {
  const reply = await chat({ client: client(), body: { message: "remind me in 1 second to stretch" } });
  assert.deepEqual(reply.data?.tools_used, ["reminders.add"]);

  const abort = new AbortController();
  const events: string[] = [];
  const received = new Promise<Notification>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no reminder in 30 s; events: ${events}`)), 30_000);
    streamNotifications({
      client: client(),
      query: { last_event_id: 0 },
      signal: abort.signal,
      sseMaxRetryAttempts: 1,
      onSseEvent: (event) => {
        events.push(event.event ?? "message");
        if (event.event !== "notification") return;
        // The spec describes the stream's body as `array of NotificationEvent`, so the client
        // types `data` as the whole array; each event's data is one NotificationEvent.
        const notification = event.data as unknown as NotificationEvent;
        if (!("type" in notification)) return;
        if (notification.type.startsWith("skill.reminders")) {
          clearTimeout(timer);
          ok(notification);
        }
      },
    })
      .then(async ({ stream }) => {
        for await (const _ of stream) {
          // onSseEvent sees every event with its name.
        }
      })
      .catch((e: unknown) => {
        if (!abort.signal.aborted) fail(e);
      });
  });
  try {
    const notification = await received;
    assert.equal(typeof notification.id, "number");
    assert.equal(notification.type, "skill.reminders.reminder");
    assert.match(`${notification.title} ${notification.body}`, /stretch/);
    assert.equal(notification.read, false);
    assert.equal(events[0], "connected");
  } finally {
    abort.abort();
  }
});

test("errors come back as the ErrorBody envelope: 401, 422, 404", async () => {
  const unauthorized = await listSkills({ client: client(null) });
  assert.equal(unauthorized.response.status, 401);
  assert.ok(isErrorBody(unauthorized.error));
  assert.equal(unauthorized.error.error.code, "UNAUTHORIZED");

  const wrong = await listSkills({ client: client("not-the-token") });
  assert.equal(wrong.response.status, 401);

  const invalid = await listConversations({ client: client(), query: { limit: 1000 } });
  assert.equal(invalid.response.status, 422);
  assert.ok(isErrorBody(invalid.error));
  assert.equal(invalid.error.error.code, "VALIDATION_FAILED");
  assert.equal(typeof invalid.error.error.request_id, "string");

  const missing = await getSkill({ client: client(), path: { name: "no-such-skill" } });
  assert.equal(missing.response.status, 404);
  assert.ok(isErrorBody(missing.error));
  assert.equal(missing.error.error.code.length > 0, true);
});
