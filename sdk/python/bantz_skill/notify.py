"""Proactive notifications to the user's devices. Needs `Manifest.notifies()`."""

import json
import typing

from componentize_py_types import Err
from wit_world.imports import bantz_skill_types as wit
from wit_world.imports import host

from .errors import from_host


def send(kind: str, title: str, body: str, data: typing.Any = None) -> int:
    """Sends a notification of `kind` (clients see `skill.<name>.<kind>`), with an optional
    JSON payload; returns its id."""
    try:
        return host.notify(_notification(kind, title, body, data))
    except Err as e:
        raise from_host(e) from None


def send_once(key: str, kind: str, title: str, body: str, data: typing.Any = None) -> int:
    """Sends a notification at most once per `key` for this skill, and returns its id; calling
    it again with the same key sends nothing and returns the first one's id. Use it for what
    must neither repeat nor be lost: send, then record in kv that it was sent."""
    try:
        return host.notify_once(key, _notification(kind, title, body, data))
    except Err as e:
        raise from_host(e) from None


def _notification(kind: str, title: str, body: str, data: typing.Any) -> wit.Notification:
    payload = None if data is None else json.dumps(data, ensure_ascii=False)
    return wit.Notification(kind, title, body, payload)
