"""Why a command failed: raise one of these from `Skill.invoke` or `Skill.on_tick`.

Kept in a module of their own so that `kv`, `http` and the others can raise them too."""

import typing

from wit_world.imports import bantz_skill_types as wit


class SkillError(Exception):
    """Why a command failed. The message is shown to the user, so write it for them."""


class InvalidArgs(SkillError):
    """The arguments do not fit the command: say what is wrong or missing."""


class UnknownCommand(SkillError):
    """The manifest does not declare this command."""


class Upstream(SkillError):
    """A service the skill depends on failed or was too slow."""


class Internal(SkillError):
    """A bug or an unexpected state inside the skill."""


def from_host(e: BaseException) -> "SkillError":
    """What a refusal of the host (`host-error`, raised by componentize-py as `Err`) becomes
    for the skill, as in the Rust SDK: an `Internal` error naming it."""
    value = getattr(e, "value", e)
    message = getattr(value, "value", str(value))
    if isinstance(value, wit.HostError_Denied):
        return Internal(f"denied by the host: {message}")
    if isinstance(value, wit.HostError_LimitExceeded):
        return Internal(f"host limit reached: {message}")
    return Internal(f"host unavailable: {message}")


def to_wit(e: SkillError) -> typing.Any:
    """The WIT `skill-error` of `e`."""
    message = str(e)
    if isinstance(e, InvalidArgs):
        return wit.SkillError_InvalidArgs(message)
    if isinstance(e, UnknownCommand):
        return wit.SkillError_UnknownCommand(message)
    if isinstance(e, Upstream):
        return wit.SkillError_Upstream(message)
    return wit.SkillError_Internal(message)
