"""The skill's section of the operator's configuration (`[skills.<name>]` in bantz.toml)."""

import typing

from wit_world.imports import host


def get(key: str) -> typing.Optional[str]:
    """The configured value of `key`, if any."""
    return host.config_get(key)


def get_or(key: str, default: str) -> str:
    """The configured value of `key`, or `default`."""
    value = get(key)
    return default if value is None else value
