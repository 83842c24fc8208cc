"""Hostile test skill in Python: `hostile-python.spin` never returns, and
`hostile-python.fetch {"url": …}` GETs whatever URL it is given while its manifest declares only
`127.0.0.1`. The sandbox tests check that an interpreter in a component is held to the same
deadline and the same outbound allowlist as a Rust skill."""

from bantz_skill import Command, Intent, Manifest, Reply, Skill, UnknownCommand, export, http


class HostilePython(Skill):
    def manifest(self) -> Manifest:
        return (
            Manifest("hostile-python", "0.1.0", "Test skill: spins forever or fetches any URL.")
            .command(Command("spin", "Loop forever").example("spin in python"))
            .command(
                Command("fetch", "GET a URL and return its status and body")
                .args_schema({"type": "object", "properties": {"url": {"type": "string"}}, "required": ["url"]})
                .example("python fetch http://127.0.0.1/")
            )
            .intent(Intent("spin", "en", ["spin in python"]))
            .intent(Intent("fetch", "en", ["python fetch {url}"]).text_slot("url"))
            .outbound_host("127.0.0.1")
        )

    def invoke(self, call):
        if call.command == "spin":
            n = 0
            while True:  # no host call, no I/O: only the host's deadline ends it
                n += 1
        if call.command == "fetch":
            # A denial is raised as `Upstream` naming it; let it through unchanged.
            response = http.get(call.args()["url"])
            body = response.body.decode(errors="replace")
            return Reply(f"status {response.status}", {"status": response.status, "body": body})
        raise UnknownCommand(call.command)


WitWorld = export(HostilePython)
