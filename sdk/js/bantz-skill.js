// `bantz-skill.js`: write a Bantz skill in JavaScript, built with componentize-js.
//
// A skill is a WebAssembly component for the `bantz:skill` WIT package (see `wit/skill.wit`).
// This ES module mirrors the Rust SDK (`sdk/src`): describe the skill with a `Manifest`, answer a
// `Call` with a `Reply` or throw one of the errors below, keep what must last in `kv`, and export
// the world's functions from the skill's module:
//
//     export const { manifest, invoke, onTick, describe } = exportSkill({ manifest() {…}, invoke(call) {…} });
//
// Import it by a relative path (`./bantz-skill.js` next to the skill: the first-party skills have
// a link to sdk/js/bantz-skill.js there). componentize-js makes the component:
//
//     componentize-js --wit wit --world-name bantz:skill/describing-skill -o my-skill.wasm skill.js
//
// (`cargo xtask skills` does this for every folder in skills/ that has a `skill.js`.)
//
// Every call runs in a fresh instance, from a snapshot taken after the module's top level ran at
// build time: module-level state does not survive from one call to the next (remember things
// with `kv`), and the top level must not read the clock or call the host.

import * as host from "bantz:skill/host@0.1.1";

/** How the host parses a slot (see `slot-kind` in the WIT). */
export const SlotKind = Object.freeze({
  TEXT: "text",
  NUMBER: "number",
  /** `YYYY-MM-DD` */
  DATE: "date",
  /** `HH:MM` */
  TIME: "time",
  /** whole seconds */
  DURATION: "duration",
  PLACE: "place",
});

/** What `describe` is asked for. */
export const DescriptionKind = Object.freeze({
  /** What a command does in general, one short phrase for the help list. */
  SUMMARY: "summary",
  /** The yes-or-no question that asks the user to confirm one call. */
  CONFIRMATION: "confirmation",
});

/** Why a command failed. The message is shown to the user, so write it for them. */
export class SkillError extends Error {
  constructor(tag, message) {
    super(message);
    // componentize-js returns a thrown value's `payload` as the `err` of a WIT `result`.
    this.payload = { tag, val: message };
  }
}
/** The arguments do not fit the command: say what is wrong or missing. */
export class InvalidArgs extends SkillError {
  constructor(message) {
    super("invalid-args", message);
  }
}
/** The manifest does not declare this command. */
export class UnknownCommand extends SkillError {
  constructor(message) {
    super("unknown-command", message);
  }
}
/** A service the skill depends on failed or was too slow. */
export class Upstream extends SkillError {
  constructor(message) {
    super("upstream", message);
  }
}
/** A bug or an unexpected state inside the skill. */
export class Internal extends SkillError {
  constructor(message) {
    super("internal", message);
  }
}

/** One action the skill offers; a builder, like the Rust SDK's `Command`. */
export class Command {
  constructor(name, description) {
    this.wit = { name, description, argsSchema: "", examples: [], needsConfirmation: false };
  }
  /** Sets the JSON Schema of the argument object. */
  argsSchema(schema) {
    this.wit.argsSchema = JSON.stringify(schema);
    return this;
  }
  /** Adds an example utterance. */
  example(utterance) {
    this.wit.examples.push(utterance);
    return this;
  }
  /** Makes the host ask the user to confirm before running the command. */
  needsConfirmation() {
    this.wit.needsConfirmation = true;
    return this;
  }
}

/**
 * Utterance templates in one language (`tr` or `en`) that run `command`. See the template
 * syntax on `intent.templates` in the WIT: `[optional]`, `(a|b)`, `{slot}`.
 */
export class Intent {
  constructor(command, locale, templates) {
    this.wit = { command, locale, templates: [...templates], slots: [] };
  }
  /** Declares a slot the templates capture, of a `SlotKind`. */
  slot(name, kind) {
    this.wit.slots.push({ name, kind });
    return this;
  }
  /** Declares a free-text slot. */
  textSlot(name) {
    return this.slot(name, SlotKind.TEXT);
  }
}

/** What a skill is and what it can do; a builder, like the Rust SDK's `Manifest`. */
export class Manifest {
  constructor(name, version, description) {
    this.wit = {
      name,
      version,
      description,
      commands: [],
      intents: [],
      permissions: { outboundHosts: [], notify: false, schedule: undefined },
    };
  }
  /** Adds a command. */
  command(command) {
    this.wit.commands.push(command.wit);
    return this;
  }
  /** Adds an intent. */
  intent(intent) {
    this.wit.intents.push(intent.wit);
    return this;
  }
  /** Asks for outbound HTTP to `host` (`name` or `name:port`). */
  outboundHost(hostName) {
    this.wit.permissions.outboundHosts.push(hostName);
    return this;
  }
  /** Asks for permission to send notifications. */
  notifies() {
    this.wit.permissions.notify = true;
    return this;
  }
  /** Asks for `onTick` every `seconds` seconds. */
  tickEvery(seconds) {
    this.wit.permissions.schedule = { everySeconds: seconds };
    return this;
  }
}

/** A command's answer: text for the user, and optionally structured data for clients. */
export class Reply {
  constructor(text, data = undefined) {
    this.text = text;
    this.data = data;
  }
}

/** One request to run a command. */
export class Call {
  constructor(command, args, locale, conversationId = "") {
    /** The command's name within the skill, e.g. `start`. */
    this.command = command;
    /** The user's language: `tr` or `en`. */
    this.locale = locale;
    /** The conversation this call belongs to. */
    this.conversationId = conversationId;
    this.rawArgs = args;
  }

  /**
   * The arguments as an object. With `shape`, e.g. `{ duration: "integer", name: "string?" }`,
   * each named argument is checked against its type (`string`, `number`, `integer`,
   * `boolean`; a final `?` when it may be missing, and is then `undefined`), and only those
   * are returned; a mismatch throws `InvalidArgs` naming the argument.
   */
  args(shape = undefined) {
    let value;
    try {
      value = this.rawArgs.trim() ? JSON.parse(this.rawArgs) : {};
    } catch (e) {
      throw new InvalidArgs(`the arguments are not JSON: ${e.message}`);
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new InvalidArgs("the arguments are not a JSON object");
    }
    if (shape === undefined) return value;
    const typed = {};
    for (const [name, spec] of Object.entries(shape)) {
      const optional = spec.endsWith("?");
      const type = optional ? spec.slice(0, -1) : spec;
      const given = value[name];
      if (given === undefined || given === null) {
        if (!optional) throw new InvalidArgs(`missing field \`${name}\``);
        typed[name] = undefined;
        continue;
      }
      const fits =
        type === "integer" ? Number.isInteger(given) : typeof given === type;
      if (!fits) {
        throw new InvalidArgs(`\`${name}\` must be ${TYPE_WORDS[type] ?? type}, not ${JSON.stringify(given)}`);
      }
      typed[name] = given;
    }
    return typed;
  }
}

const TYPE_WORDS = {
  string: "text",
  number: "a number",
  integer: "a whole number",
  boolean: "true or false",
};

/** What a refusal of the host (`host-error`) becomes for the skill, as in the Rust SDK. */
function fromHost(e) {
  const payload = e?.payload;
  if (payload?.tag === "denied") return new Internal(`denied by the host: ${payload.val}`);
  if (payload?.tag === "limit-exceeded") return new Internal(`host limit reached: ${payload.val}`);
  if (payload?.tag === "unavailable") return new Internal(`host unavailable: ${payload.val}`);
  return e;
}

function hostCall(f) {
  try {
    return f();
  } catch (e) {
    throw fromHost(e);
  }
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The skill's own durable key-value store, kept by the host in SQLite (1 MiB a value). */
export const kv = Object.freeze({
  /** Raw bytes (a `Uint8Array`), or `undefined` when the key is not set. */
  get: (key) => hostCall(() => host.kvGet(key)),
  /** Writes raw bytes; durable once this returns. */
  set: (key, bytes) => hostCall(() => host.kvSet(key, bytes)),
  /** Removes a key; a missing key is fine. */
  delete: (key) => hostCall(() => host.kvDelete(key)),
  /** The keys that start with `prefix`, sorted. */
  keys: (prefix) => hostCall(() => host.kvKeys(prefix)),
  /** A JSON value, or `undefined` when the key is not set. */
  getJson(key) {
    const bytes = this.get(key);
    if (bytes === undefined) return undefined;
    try {
      return JSON.parse(decoder.decode(bytes));
    } catch (e) {
      throw new Internal(`kv value ${JSON.stringify(key)} is not JSON: ${e.message}`);
    }
  },
  /** Writes a value as JSON. */
  setJson(key, value) {
    this.set(key, encoder.encode(JSON.stringify(value)));
  },
});

function notification(kind, title, body, data) {
  return { kind, title, body, data: data === undefined ? undefined : JSON.stringify(data) };
}

/** Proactive notifications to the user's devices. Needs `Manifest.notifies()`. */
export const notify = Object.freeze({
  /** Sends a notification of `kind` (clients see `skill.<name>.<kind>`); returns its id. */
  send: (kind, title, body, data = undefined) =>
    Number(hostCall(() => host.notify(notification(kind, title, body, data)))),
  /**
   * Sends a notification at most once per `key` for this skill, and returns its id; calling it
   * again with the same key sends nothing and returns the first one's id. Use it for what must
   * neither repeat nor be lost: send, then record in kv that it was sent.
   */
  sendOnce: (key, kind, title, body, data = undefined) =>
    Number(hostCall(() => host.notifyOnce(key, notification(kind, title, body, data)))),
});

/** The skill's section of the operator's configuration (`[skills.<name>]` in bantz.toml). */
export const config = Object.freeze({
  /** The configured value of `key`, or `undefined`. */
  get: (key) => host.configGet(key),
  /** The configured value of `key`, or `fallback`. */
  getOr: (key, fallback) => host.configGet(key) ?? fallback,
});

/** Log lines, written to the host's log with the skill's name (64 KiB a call). */
export const log = Object.freeze({
  debug: (message) => host.log("debug", message),
  info: (message) => host.log("info", message),
  warn: (message) => host.log("warn", message),
  error: (message) => host.log("error", message),
});

/** Largest response body `http.get` reads. */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Outbound HTTP over `wasi:http/outgoing-handler` (the engine's `fetch`). Only hosts the
 * manifest declares with `Manifest.outboundHost` *and* the operator allows can be reached; any
 * other request throws `Upstream` naming the denial. Both are async: `await` them in an async
 * `invoke`.
 */
export const http = Object.freeze({
  /** GETs `url` and returns `{ status, body }` (a `Uint8Array`), whatever the status. */
  async get(url) {
    if (!/^https?:\/\/[^/?#]+/.test(url)) throw new Internal(`not an http(s) URL: ${JSON.stringify(url)}`);
    let response;
    try {
      response = await fetch(url, { headers: { accept: "application/json" } });
    } catch (e) {
      throw new Upstream(`request to ${url} failed: ${e?.message ?? e}`);
    }
    const body = new Uint8Array(await response.arrayBuffer());
    if (body.length > MAX_BODY_BYTES) throw new Upstream(`${url} sent more than ${MAX_BODY_BYTES} bytes`);
    return { status: response.status, body };
  },
  /** GETs `url` and parses a 2xx JSON body. Other statuses throw `Upstream`. */
  async getJson(url) {
    const { status, body } = await this.get(url);
    if (status < 200 || status >= 300) throw new Upstream(`${url} answered HTTP ${status}`);
    try {
      return JSON.parse(decoder.decode(body));
    } catch (e) {
      throw new Upstream(`${url} sent something that is not JSON: ${e.message}`);
    }
  },
});

/**
 * The functions the skill's module exports for the `describing-skill` world, from `skill`: an
 * object with `manifest()` (a `Manifest`), `invoke(call)` (a `Reply`, or a promise of one; throw
 * a `SkillError` when it cannot), and optionally `onTick(nowMs)` and `describe(call, kind)`
 * (a string, or `undefined` to let the host phrase it from the manifest).
 */
export function exportSkill(skill) {
  const call = (c) => new Call(c.command, c.args, c.locale, c.conversationId);
  return {
    manifest: () => skill.manifest().wit,
    async invoke(c) {
      const reply = await skill.invoke(call(c));
      const data = reply.data === undefined ? undefined : JSON.stringify(reply.data);
      return { text: reply.text, data };
    },
    async onTick(now) {
      if (skill.onTick) await skill.onTick(Number(now));
    },
    describe(c, kind) {
      const text = skill.describe ? skill.describe(call(c), kind) : undefined;
      return text ?? undefined;
    },
  };
}
