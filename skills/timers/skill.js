// The timers skill: "10 dakikalık zamanlayıcı kur", "5 dakikalık yumurta zamanlayıcısı kur",
// "zamanlayıcıda ne kadar kaldı", "zamanlayıcılarım", "yumurta zamanlayıcısını iptal et" ·
// "set a timer for 5 and a half minutes", "set a pasta timer for 10 minutes", "how much time is
// left on the pasta timer", "list my timers", "cancel the pasta timer".
//
// Written in JavaScript with sdk/js (`./bantz-skill.js` links to it) and built with
// componentize-js, to show that a skill need not be Rust. Each timer is one kv key, `t:<id>`.
// `onTick` (every second) sends each timer that has ended as one notification with
// `notify.sendOnce` keyed by the timer's id, and only then removes it: a crash or a restart in
// between neither loses nor repeats it, and a timer that ended while Bantz was down fires on the
// first tick after it starts.

import {
  Command,
  DescriptionKind,
  Intent,
  InvalidArgs,
  Manifest,
  Reply,
  SlotKind,
  UnknownCommand,
  exportSkill,
  kv,
  notify,
} from "./bantz-skill.js";

const PREFIX = "t:";
/** The longest timer: a day. Longer waits are what reminders are for. */
const MAX_SECONDS = 24 * 3600;
/** Most timers running at once. */
const MAX_TIMERS = 50;

const timers = {
  manifest() {
    const withName = (command, locale, templates) =>
      new Intent(command, locale, templates).textSlot("name");
    const start = (locale, templates) =>
      withName("start", locale, templates).slot("duration", SlotKind.DURATION);
    return new Manifest("timers", "0.1.0", "Kitchen timers: start, list, time left, cancel.")
      .command(
        new Command("start", "Start a timer")
          .argsSchema({
            type: "object",
            properties: {
              duration: { type: "integer", description: "seconds" },
              name: { type: "string", description: "what the timer is for, e.g. pasta" },
            },
            required: ["duration"],
          })
          .example("10 dakikalık zamanlayıcı kur")
          .example("set a timer for 5 and a half minutes"),
      )
      .command(
        new Command("list", "List the running timers")
          .example("zamanlayıcılarım")
          .example("list my timers"),
      )
      .command(
        new Command("left", "Say how much time a timer has left")
          .argsSchema({ type: "object", properties: { name: { type: "string" } } })
          .example("zamanlayıcıda ne kadar kaldı")
          .example("how much time is left on the pasta timer"),
      )
      .command(
        new Command("cancel", "Cancel a timer")
          .argsSchema({ type: "object", properties: { name: { type: "string" } } })
          .example("yumurta zamanlayıcısını iptal et")
          .example("cancel the pasta timer"),
      )
      .intent(
        start("tr", [
          "{duration} [bir] zamanlayıcı (kur|başlat|ayarla)",
          "{duration} {name} zamanlayıcısı (kur|başlat|ayarla)",
          "{name} için {duration} [bir] zamanlayıcı (kur|başlat|ayarla)",
          "zamanlayıcıyı {duration} (kur|ayarla)",
          "{duration} sonra (alarm|zil) çal",
        ]),
      )
      .intent(
        start("en", [
          "(set|start) a timer for {duration}",
          "(set|start) a {duration} timer",
          "(set|start) a {name} timer for {duration}",
          "(set|start) a timer for {duration} (called|named|for) {name}",
          "(set|start) a {duration} {name} timer",
          "timer for {duration}",
        ]),
      )
      .intent(
        new Intent("list", "tr", [
          "zamanlayıcılarım [neler|ne]",
          "zamanlayıcıları (göster|listele)",
          "(hangi|kaç) zamanlayıcı (var|kurulu|çalışıyor)",
        ]),
      )
      .intent(
        new Intent("list", "en", [
          "(list|show) [me] [all] [my|the] timers",
          "what timers (are running|do i have)",
          "(any|do i have any) timers [running]",
        ]),
      )
      .intent(
        withName("left", "tr", [
          "[{name}] (zamanlayıcıda|zamanlayıcısında) ne kadar [süre|zaman] kaldı",
          "[{name}] (zamanlayıcının|zamanlayıcısının) bitmesine ne kadar (var|kaldı)",
        ]),
      )
      .intent(
        withName("left", "en", [
          "how (much time|long) is left [on [my|the] [{name}] timer]",
          "how (much time|long) [do i have] left on [my|the] [{name}] timer",
          "time left on [my|the] [{name}] timer",
        ]),
      )
      .intent(
        withName("cancel", "tr", [
          "{name} zamanlayıcısını (iptal et|durdur|kapat|sil)",
          "zamanlayıcıyı (iptal et|durdur|kapat|sil)",
        ]),
      )
      .intent(
        withName("cancel", "en", [
          "(cancel|stop|delete) [my|the] [{name}] timer",
        ]),
      )
      .notifies()
      .tickEvery(1);
  },

  describe(call, kind) {
    const tr = call.locale === "tr";
    if (kind !== DescriptionKind.SUMMARY) return undefined;
    const summaries = {
      start: ["Bir süre sonra çalan zamanlayıcı kurar", "Starts a timer that rings after a while"],
      list: ["Çalışan zamanlayıcıları listeler", "Lists the running timers"],
      left: ["Zamanlayıcıda ne kadar kaldığını söyler", "Says how much time a timer has left"],
      cancel: ["Bir zamanlayıcıyı iptal eder", "Cancels a timer"],
    };
    return summaries[call.command]?.[tr ? 0 : 1];
  },

  invoke(call) {
    const tr = call.locale === "tr";
    const now = Date.now();
    switch (call.command) {
      case "start":
        return start(call.args({ duration: "integer", name: "string?" }), call.locale, now);
      case "list":
        return list(tr, now);
      case "left":
        return left(call.args({ name: "string?" }).name, tr, now);
      case "cancel":
        return cancel(call.args({ name: "string?" }).name, tr, now);
      default:
        throw new UnknownCommand(call.command);
    }
  },

  onTick(nowMs) {
    for (const timer of running()) {
      if (timer.endsMs > nowMs) continue;
      const tr = timer.locale === "tr";
      const body = tr
        ? `Süre doldu: ${label(timer, true)} (${words(timer.seconds, true)}).`
        : `Time's up: ${label(timer, false)} (${words(timer.seconds, false)}).`;
      notify.sendOnce(`timer-${timer.id}`, "timer", tr ? "Zamanlayıcı" : "Timer", body, {
        id: timer.id,
        name: timer.name ?? null,
        seconds: timer.seconds,
      });
      kv.delete(PREFIX + timer.id);
    }
  },
};

export const { manifest, invoke, onTick, describe } = exportSkill(timers);

function start({ duration, name }, locale, now) {
  const tr = locale === "tr";
  if (duration <= 0 || duration > MAX_SECONDS) {
    throw new InvalidArgs(
      tr ? "Süre 1 saniye ile 24 saat arasında olmalı." : "The time must be between 1 second and 24 hours.",
    );
  }
  if (running().length >= MAX_TIMERS) {
    throw new InvalidArgs(
      tr ? `En çok ${MAX_TIMERS} zamanlayıcı çalışabilir.` : `At most ${MAX_TIMERS} timers can run at once.`,
    );
  }
  const timer = {
    id: freeId(now),
    name: name?.trim() || undefined,
    seconds: duration,
    endsMs: now + duration * 1000,
    locale,
  };
  kv.setJson(PREFIX + timer.id, timer);
  const text = tr
    ? `Tamam, ${timer.name ? `${timer.name} için ` : ""}${lengthAdjective(duration)} zamanlayıcı kuruldu.`
    : `OK, ${timer.name ? `the ${timer.name} timer is` : "a timer is"} set for ${words(duration, false)}.`;
  return new Reply(text, describeTimer(timer, now));
}

function list(tr, now) {
  const all = running();
  if (all.length === 0) {
    return new Reply(tr ? "Çalışan zamanlayıcınız yok." : "You have no timers running.", { timers: [] });
  }
  const lines = all.map((t) =>
    tr
      ? `- ${label(t, true)}: ${words(secondsLeft(t, now), true)} kaldı`
      : `- ${label(t, false)}: ${words(secondsLeft(t, now), false)} left`,
  );
  const head = tr ? "Çalışan zamanlayıcılar:" : "Your timers:";
  return new Reply(`${head}\n${lines.join("\n")}`, { timers: all.map((t) => describeTimer(t, now)) });
}

function left(name, tr, now) {
  const found = pick(name);
  if (found.length !== 1) return unclear(found, name, tr, now);
  const timer = found[0];
  const rest = words(secondsLeft(timer, now), tr);
  const text = tr
    ? timer.name
      ? `${capital(timer.name)} zamanlayıcısında ${rest} kaldı.`
      : `Zamanlayıcıda ${rest} kaldı.`
    : `${capital(rest)} left on ${timer.name ? `the ${timer.name}` : "your"} timer.`;
  return new Reply(text, describeTimer(timer, now));
}

function cancel(name, tr, now) {
  const found = pick(name);
  if (found.length !== 1) return unclear(found, name, tr, now);
  const timer = found[0];
  kv.delete(PREFIX + timer.id);
  const text = tr
    ? timer.name
      ? `${capital(timer.name)} zamanlayıcısını iptal ettim.`
      : `${label(timer, true)} zamanlayıcıyı iptal ettim.`
    : `Cancelled the ${label(timer, false)} timer.`;
  return new Reply(text, { cancelled: describeTimer(timer, now) });
}

/** The answer when `name` picks no timer, or several. */
function unclear(found, name, tr, now) {
  if (found.length === 0) {
    const text = name
      ? tr
        ? `"${name}" diye bir zamanlayıcı yok.`
        : `There is no timer called "${name}".`
      : tr
        ? "Çalışan zamanlayıcınız yok."
        : "You have no timers running.";
    return new Reply(text, { timers: [] });
  }
  const names = found.map((t) => label(t, tr)).join(", ");
  const text = tr
    ? `${found.length} zamanlayıcı çalışıyor (${names}); hangisi?`
    : `${found.length} timers are running (${names}); which one?`;
  return new Reply(text, { timers: found.map((t) => describeTimer(t, now)) });
}

/** The running timers, soonest first. */
function running() {
  const all = [];
  for (const key of kv.keys(PREFIX)) {
    const timer = kv.getJson(key);
    if (timer) all.push(timer);
  }
  return all.sort((a, b) => a.endsMs - b.endsMs);
}

/**
 * The timers `name` means: all when it is empty; else those whose name or label it matches,
 * up to case and Turkish letters ("makarna", "10 dakikalık", "10 minute").
 */
function pick(name) {
  const all = running();
  const wanted = fold(name ?? "");
  if (!wanted) return all;
  const matches = (t) => [t.name ?? "", label(t, true), label(t, false)].map(fold);
  const exact = all.filter((t) => matches(t).includes(wanted));
  if (exact.length > 0) return exact;
  return all.filter((t) => matches(t).some((m) => m && (m.includes(wanted) || wanted.includes(m))));
}

/** What a timer is called: its name, else its length ("10 dakikalık", "10 minute"). */
function label(timer, tr) {
  if (timer.name) return timer.name;
  return tr ? lengthAdjective(timer.seconds) : words(timer.seconds, false, true);
}

function secondsLeft(timer, now) {
  return Math.max(0, Math.ceil((timer.endsMs - now) / 1000));
}

function describeTimer(timer, now) {
  return {
    id: timer.id,
    name: timer.name ?? null,
    seconds: timer.seconds,
    seconds_left: secondsLeft(timer, now),
    ends: new Date(timer.endsMs).toISOString(),
  };
}

/**
 * A length of time in words: "5 dakika 30 saniye", "1 saat"; "5 minutes 30 seconds", "1 hour",
 * or, as an adjective, "5 minute 30 second".
 */
function words(seconds, tr, adjective = false) {
  const parts = [];
  const units = [
    [3600, "saat", "hour"],
    [60, "dakika", "minute"],
    [1, "saniye", "second"],
  ];
  let rest = seconds;
  for (const [size, turkish, english] of units) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n === 0) continue;
    parts.push(tr ? `${n} ${turkish}` : `${n} ${english}${n === 1 || adjective ? "" : "s"}`);
  }
  return parts.length ? parts.join(" ") : tr ? "0 saniye" : "0 seconds";
}

/** "10 dakikalık", "1 saatlik", "30 saniyelik": the suffix follows the last unit's vowels. */
function lengthAdjective(seconds) {
  const said = words(seconds, true);
  return said + (said.endsWith("dakika") ? "lık" : "lik");
}

/** A new timer's id: the time it started, made unique among the running ones. */
function freeId(now) {
  let id = now.toString(36);
  while (kv.get(PREFIX + id) !== undefined) id += "x";
  return id;
}

function capital(text) {
  return text.charAt(0).toLocaleUpperCase("tr") + text.slice(1);
}

/** Lower case, Turkish letters as their ASCII look-alikes, single spaces. */
function fold(text) {
  return text
    .replaceAll("İ", "i")
    .replaceAll("I", "i")
    .toLowerCase()
    .replace(/[ıişğüöç]/g, (c) => ({ ı: "i", i: "i", ş: "s", ğ: "g", ü: "u", ö: "o", ç: "c" })[c])
    .replace(/\s+/g, " ")
    .trim();
}
