"""The skill's own durable key-value store, kept by the host in SQLite (namespaced per skill,
1 MiB a value)."""

import json
import typing

from componentize_py_types import Err
from wit_world.imports import host

from .errors import Internal, from_host


def get(key: str) -> typing.Optional[bytes]:
    """Reads raw bytes; None when the key is not set."""
    try:
        return host.kv_get(key)
    except Err as e:
        raise from_host(e) from None


def set(key: str, value: bytes) -> None:  # noqa: A001 - the Rust SDK's name
    """Writes raw bytes; durable once this returns."""
    try:
        host.kv_set(key, value)
    except Err as e:
        raise from_host(e) from None


def delete(key: str) -> None:
    """Removes a key; a missing key is fine."""
    try:
        host.kv_delete(key)
    except Err as e:
        raise from_host(e) from None


def keys(prefix: str) -> typing.List[str]:
    """Lists the keys that start with `prefix`, sorted."""
    try:
        return host.kv_keys(prefix)
    except Err as e:
        raise from_host(e) from None


def get_json(key: str) -> typing.Any:
    """Reads a JSON value; None when the key is not set. A stored value that is not JSON is
    an `Internal` error."""
    raw = get(key)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError as e:
        raise Internal(f"kv value {key!r} is not JSON: {e}") from None


def set_json(key: str, value: typing.Any) -> None:
    """Writes a value as JSON."""
    set(key, json.dumps(value, ensure_ascii=False).encode())
