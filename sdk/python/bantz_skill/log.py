"""Log lines, written to the host's log with the skill's name (64 KiB a call; `print` goes
there too)."""

from wit_world.imports import bantz_skill_types as wit
from wit_world.imports import host


def debug(message: str) -> None:
    """Logs at debug level."""
    host.log(wit.LogLevel.DEBUG, message)


def info(message: str) -> None:
    """Logs at info level."""
    host.log(wit.LogLevel.INFO, message)


def warn(message: str) -> None:
    """Logs at warn level."""
    host.log(wit.LogLevel.WARN, message)


def error(message: str) -> None:
    """Logs at error level."""
    host.log(wit.LogLevel.ERROR, message)
