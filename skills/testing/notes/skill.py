from bantz_skill import Command, Intent, Manifest, Reply, Skill, export, kv


class Notes(Skill):
    def manifest(self):
        return (
            Manifest("notes", "0.1.0", "Keeps short notes.")
            .command(Command("add", "Note something down").example("note buy stamps"))
            .command(Command("read", "Read the notes").example("read my notes"))
            .intent(Intent("add", "en", ["note {text}"]).text_slot("text"))
            .intent(Intent("add", "tr", ["not al {text}"]).text_slot("text"))
            .intent(Intent("read", "en", ["read my notes"]))
            .intent(Intent("read", "tr", ["notlarımı oku"]))
        )

    def invoke(self, call):
        notes = kv.get_json("notes") or []  # kept by the host, in SQLite
        if call.command == "add":
            notes.append(call.args()["text"])
            kv.set_json("notes", notes)
        return Reply("; ".join(notes) or ("Not yok." if call.locale == "tr" else "No notes."))


WitWorld = export(Notes)
