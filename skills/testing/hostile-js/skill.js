// Hostile test skill in JavaScript: `hostile-js.spin` never returns, and
// `hostile-js.fetch {"url": …}` GETs whatever URL it is given while its manifest declares only
// `127.0.0.1`. The sandbox tests check that an interpreter in a component is held to the same
// deadline and the same outbound allowlist as a Rust skill.

import { Command, Intent, Manifest, Reply, UnknownCommand, exportSkill, http } from "./bantz-skill.js";

export const { manifest, invoke, onTick, describe } = exportSkill({
  manifest: () =>
    new Manifest("hostile-js", "0.1.0", "Test skill: spins forever or fetches any URL.")
      .command(new Command("spin", "Loop forever").example("spin in javascript"))
      .command(
        new Command("fetch", "GET a URL and return its status and body")
          .argsSchema({ type: "object", properties: { url: { type: "string" } }, required: ["url"] })
          .example("javascript fetch http://127.0.0.1/"),
      )
      .intent(new Intent("spin", "en", ["spin in javascript"]))
      .intent(new Intent("fetch", "en", ["javascript fetch {url}"]).textSlot("url"))
      .outboundHost("127.0.0.1"),

  async invoke(call) {
    if (call.command === "spin") {
      let n = 0;
      // No host call, no await: only the host's deadline ends it.
      for (;;) n += 1;
    }
    if (call.command === "fetch") {
      // A denial is thrown as `Upstream` naming it; let it through unchanged.
      const { status, body } = await http.get(call.args({ url: "string" }).url);
      return new Reply(`status ${status}`, { status, body: new TextDecoder().decode(body) });
    }
    throw new UnknownCommand(call.command);
  },
});
