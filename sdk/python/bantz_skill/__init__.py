"""`bantz_skill`: write a Bantz skill in Python, built with componentize-py.

A skill is a WebAssembly component for the `bantz:skill` WIT package (see `wit/skill.wit`). This
package mirrors the Rust SDK (`sdk/src`): subclass `Skill`, build a `Manifest`, answer a `Call`
with a `Reply` or raise one of the errors below, keep what must last in `kv`, and end the module
with `WitWorld = export(MySkill)`; componentize-py makes the component from that class:

    componentize-py -d wit -w bantz:skill/describing-skill componentize skill \
        -p path/to/skill -p sdk/python -o my-skill.wasm

(`cargo xtask skills` does this for every folder in skills/ that has a `skill.py`.)

Every call runs in a fresh instance: module-level state does not survive from one call to the
next, so remember things with `kv`. It is not a host library: the bindings it imports
(`wit_world`) exist only inside a component build.
"""

import dataclasses
import json
import typing

import wit_world
from componentize_py_types import Err
from wit_world.imports import bantz_skill_types as wit

from . import config, errors, http, kv, log, notify
from .errors import Internal, InvalidArgs, SkillError, UnknownCommand, Upstream

__all__ = [
    "Call",
    "Command",
    "DescriptionKind",
    "Intent",
    "Internal",
    "InvalidArgs",
    "Manifest",
    "Reply",
    "Skill",
    "SkillError",
    "SlotKind",
    "UnknownCommand",
    "Upstream",
    "config",
    "export",
    "http",
    "kv",
    "log",
    "notify",
]

#: How the host parses a slot (see `slot-kind` in the WIT): `SlotKind.DATE` arrives as
#: `YYYY-MM-DD`, `TIME` as `HH:MM`, `DURATION` as whole seconds, `NUMBER` as a number.
SlotKind = wit.SlotKind


class DescriptionKind:
    """What `Skill.describe` is asked for."""

    #: What a command does in general, one short phrase for the help list.
    SUMMARY = "summary"
    #: The yes-or-no question that asks the user to confirm one call.
    CONFIRMATION = "confirmation"


class Command:
    """One action the skill offers; a builder, like the Rust SDK's `Command`."""

    def __init__(self, name: str, description: str):
        self._name = name
        self._description = description
        self._schema: typing.Optional[dict] = None
        self._examples: typing.List[str] = []
        self._confirm = False

    def args_schema(self, schema: dict) -> "Command":
        """Sets the JSON Schema of the argument object."""
        self._schema = schema
        return self

    def example(self, utterance: str) -> "Command":
        """Adds an example utterance."""
        self._examples.append(utterance)
        return self

    def needs_confirmation(self) -> "Command":
        """Makes the host ask the user to confirm before running the command."""
        self._confirm = True
        return self

    def _wit(self) -> wit.Command:
        schema = json.dumps(self._schema) if self._schema is not None else ""
        return wit.Command(self._name, self._description, schema, self._examples, self._confirm)


class Intent:
    """Utterance templates in one language (`tr` or `en`) that run `command`. See the template
    syntax on `intent.templates` in the WIT: `[optional]`, `(a|b)`, `{slot}`."""

    def __init__(self, command: str, locale: str, templates: typing.Iterable[str]):
        self._command = command
        self._locale = locale
        self._templates = list(templates)
        self._slots: typing.List[wit.Slot] = []

    def slot(self, name: str, kind: "wit.SlotKind") -> "Intent":
        """Declares a slot the templates capture."""
        self._slots.append(wit.Slot(name, kind))
        return self

    def text_slot(self, name: str) -> "Intent":
        """Declares a free-text slot."""
        return self.slot(name, SlotKind.TEXT)

    def _wit(self) -> wit.Intent:
        return wit.Intent(self._command, self._locale, self._templates, self._slots)


class Manifest:
    """What a skill is and what it can do; a builder, like the Rust SDK's `Manifest`."""

    def __init__(self, name: str, version: str, description: str):
        self._name = name
        self._version = version
        self._description = description
        self._commands: typing.List[Command] = []
        self._intents: typing.List[Intent] = []
        self._hosts: typing.List[str] = []
        self._notify = False
        self._tick: typing.Optional[int] = None

    def command(self, command: Command) -> "Manifest":
        """Adds a command."""
        self._commands.append(command)
        return self

    def intent(self, intent: Intent) -> "Manifest":
        """Adds an intent."""
        self._intents.append(intent)
        return self

    def outbound_host(self, host: str) -> "Manifest":
        """Asks for outbound HTTP to `host` (`name` or `name:port`)."""
        self._hosts.append(host)
        return self

    def notifies(self) -> "Manifest":
        """Asks for permission to send notifications."""
        self._notify = True
        return self

    def tick_every(self, seconds: int) -> "Manifest":
        """Asks for `on_tick` every `seconds` seconds."""
        self._tick = seconds
        return self

    def _wit(self) -> wit.Manifest:
        schedule = wit.Schedule(self._tick) if self._tick is not None else None
        return wit.Manifest(
            self._name,
            self._version,
            self._description,
            [c._wit() for c in self._commands],
            [i._wit() for i in self._intents],
            wit.Permissions(self._hosts, self._notify, schedule),
        )


class Call:
    """One request to run a command."""

    def __init__(self, command: str, args: str, locale: str, conversation_id: str = ""):
        #: The command's name within the skill, e.g. `add`.
        self.command = command
        #: The user's language: `tr` or `en`.
        self.locale = locale
        #: The conversation this call belongs to.
        self.conversation_id = conversation_id
        self._args = args

    def args(self, shape: typing.Optional[type] = None) -> typing.Any:
        """The arguments: a dict, or an instance of the dataclass `shape`, whose fields say
        which arguments there are and their types (`str`, `int`, `float`, `bool`, a list of
        one of them, `Optional[…]` for one that may be missing). A mismatch raises
        `InvalidArgs` naming the argument."""
        try:
            value = json.loads(self._args) if self._args.strip() else {}
        except ValueError as e:
            raise InvalidArgs(f"the arguments are not JSON: {e}") from None
        if not isinstance(value, dict):
            raise InvalidArgs("the arguments are not a JSON object")
        if shape is None:
            return value
        return _typed(shape, value)


def _typed(shape: type, value: dict) -> typing.Any:
    hints = typing.get_type_hints(shape)
    fields = {}
    for field in dataclasses.fields(shape):
        kind = hints[field.name]
        optional = _optional_of(kind)
        present = value.get(field.name) is not None
        if not present:
            has_default = (
                field.default is not dataclasses.MISSING
                or field.default_factory is not dataclasses.MISSING
            )
            if optional is None and not has_default:
                raise InvalidArgs(f"missing field `{field.name}`")
            if optional is not None and not has_default:
                fields[field.name] = None
            continue
        fields[field.name] = _check(field.name, optional or kind, value[field.name])
    return shape(**fields)


def _optional_of(kind: typing.Any) -> typing.Any:
    """`T` when `kind` is `Optional[T]`, else None."""
    if typing.get_origin(kind) is typing.Union:
        rest = [a for a in typing.get_args(kind) if a is not type(None)]
        if len(rest) == 1 and len(typing.get_args(kind)) == 2:
            return rest[0]
    return None


def _check(name: str, kind: typing.Any, value: typing.Any) -> typing.Any:
    if typing.get_origin(kind) is list:
        (item,) = typing.get_args(kind) or (typing.Any,)
        if not isinstance(value, list):
            raise InvalidArgs(f"`{name}` must be a list")
        return [_check(name, item, v) for v in value]
    if kind is typing.Any:
        return value
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidArgs(f"`{name}` must be {_kind_name(kind)}, not {json.dumps(value)}")
    return value


def _kind_name(kind: typing.Any) -> str:
    names = {str: "text", int: "a whole number", float: "a number", bool: "true or false"}
    return names.get(kind, getattr(kind, "__name__", str(kind)))


class Reply:
    """A command's answer: text for the user, in the call's locale, and optionally
    structured data (anything `json.dumps` takes) for clients."""

    def __init__(self, text: str, data: typing.Any = None):
        self.text = text
        self.data = data


class Skill:
    """What a skill implements. Every method runs in a fresh instance: keep state in `kv`."""

    def manifest(self) -> Manifest:
        """Describes the skill: its commands, the intents that route chat to them, and the
        permissions it needs. Must not call host functions."""
        raise NotImplementedError

    def invoke(self, call: Call) -> Reply:
        """Runs one command; raises a `SkillError` when it cannot."""
        raise NotImplementedError

    def on_tick(self, now_ms: int) -> None:
        """Runs on the schedule the manifest asks for, with the time in milliseconds since
        the Unix epoch. The default does nothing."""

    def describe(self, call: Call, kind: str) -> typing.Optional[str]:
        """Says, in `call.locale`, what running `call` would do, as `kind` asks:
        `DescriptionKind.SUMMARY` (one short phrase for the help list, capitalised, without a
        final full stop; `call.args()` is `{}`) or `DescriptionKind.CONFIRMATION` (the
        yes-or-no question that asks the user to let this call run). None, the default, lets
        the host phrase it from the manifest."""
        return None


def export(skill: type) -> type:
    """The `WitWorld` class componentize-py exports, running the `Skill` subclass `skill`.
    End the skill's module with `WitWorld = export(MySkill)`."""

    class World(wit_world.WitWorld):
        def manifest(self) -> wit.Manifest:
            return skill().manifest()._wit()

        def invoke(self, call: wit.Call) -> wit.Reply:
            try:
                reply = skill().invoke(_call(call))
            except SkillError as e:
                raise Err(errors.to_wit(e)) from None
            data = None if reply.data is None else json.dumps(reply.data, ensure_ascii=False)
            return wit.Reply(reply.text, data)

        def on_tick(self, now: int) -> None:
            try:
                skill().on_tick(now)
            except SkillError as e:
                raise Err(errors.to_wit(e)) from None

        def describe(self, call: wit.Call, kind: wit.DescriptionKind) -> typing.Optional[str]:
            named = (
                DescriptionKind.SUMMARY
                if kind == wit.DescriptionKind.SUMMARY
                else DescriptionKind.CONFIRMATION
            )
            return skill().describe(_call(call), named)

    World.__name__ = World.__qualname__ = "WitWorld"
    return World


def _call(call: wit.Call) -> Call:
    return Call(call.command, call.args, call.locale, call.conversation_id)
