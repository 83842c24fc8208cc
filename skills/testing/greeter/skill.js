import { Command, Intent, Manifest, Reply, exportSkill, kv } from "./bantz-skill.js";

export const { manifest, invoke, onTick, describe } = exportSkill({
  manifest: () =>
    new Manifest("greeter", "0.1.0", "Says hello and counts the hellos.")
      .command(new Command("hello", "Greet someone").example("say hello to Ada"))
      .intent(new Intent("hello", "en", ["say hello to {name}"]).textSlot("name"))
      .intent(new Intent("hello", "tr", ["{name} için merhaba de"]).textSlot("name")),
  invoke(call) {
    const { name } = call.args({ name: "string" });
    const times = (kv.getJson("times") ?? 0) + 1; // kept by the host, in SQLite
    kv.setJson("times", times);
    const tr = call.locale === "tr";
    return new Reply(tr ? `Merhaba ${name}! (${times}. selam)` : `Hello ${name}! (hello #${times})`);
  },
});
