"""Outbound HTTP through `wasi:http/outgoing-handler`.

Only hosts the manifest declares with `Manifest.outbound_host` *and* the operator allows can be
reached; any other request raises `Upstream` naming the denial."""

import json
import typing

from componentize_py_types import Err
from wit_world.imports import outgoing_handler, streams
from wit_world.imports import wasi_http_types as types

from .errors import Internal, Upstream

#: Largest response body `get` reads; larger bodies are an error rather than a surprise.
MAX_BODY_BYTES = 4 * 1024 * 1024


class Response:
    """A response: status code and the whole body."""

    def __init__(self, status: int, body: bytes):
        self.status = status
        self.body = body


def get(url: str) -> Response:
    """GETs `url` (`http://` or `https://`) and returns the response, whatever its status."""
    scheme, authority, path = _split_url(url)
    headers = types.Fields.from_list([("accept", b"application/json")])
    request = types.OutgoingRequest(headers)
    try:
        request.set_method(types.Method_Get())
        request.set_scheme(scheme)
        request.set_authority(authority)
        request.set_path_with_query(path)
    except Err:
        raise Internal(f"cannot build a request for {url!r}") from None
    try:
        pending = outgoing_handler.handle(request, None)
    except Err as e:
        raise _upstream(url, e.value) from None
    with pending:
        with pending.subscribe() as ready:
            ready.block()
        outcome = pending.get()
    if outcome is None:
        raise Upstream(f"no response from {url}")
    if isinstance(outcome, Err):
        raise Upstream(f"the response from {url} was already taken")
    try:
        response = _unwrap(outcome.value)
    except Err as e:
        raise _upstream(url, e.value) from None
    with response:
        status = response.status()
        body = _read_body(response.consume(), url)
    return Response(status, body)


def get_json(url: str) -> typing.Any:
    """GETs `url` and parses a 2xx JSON body. Other statuses raise `Upstream`."""
    response = get(url)
    if not 200 <= response.status < 300:
        raise Upstream(f"{url} answered HTTP {response.status}")
    try:
        return json.loads(response.body)
    except ValueError as e:
        raise Upstream(f"{url} sent something that is not JSON: {e}") from None


def _unwrap(result: typing.Any) -> typing.Any:
    """The value of a WIT `result` as componentize-py hands it over (`Ok` or `Err`)."""
    if isinstance(result, Err):
        raise result
    return result.value


def _read_body(body: typing.Any, url: str) -> bytes:
    with body:
        stream = body.stream()
        chunks = bytearray()
        with stream:
            while True:
                try:
                    chunks += stream.blocking_read(64 * 1024)
                except Err as e:
                    if isinstance(e.value, streams.StreamError_Closed):
                        break
                    raise Upstream(f"reading from {url} failed") from None
                if len(chunks) > MAX_BODY_BYTES:
                    raise Upstream(f"{url} sent more than {MAX_BODY_BYTES} bytes")
    return bytes(chunks)


def _upstream(url: str, code: typing.Any) -> Upstream:
    if isinstance(code, types.ErrorCode_HttpRequestDenied):
        return Upstream(f"the host did not allow a request to {url}")
    return Upstream(f"request to {url} failed: {type(code).__name__.removeprefix('ErrorCode_')}")


def _split_url(url: str) -> typing.Tuple[typing.Any, str, str]:
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in ("http", "https"):
        raise Internal(f"not an http(s) URL: {url!r}")
    cut = min([i for i in (rest.find("/"), rest.find("?")) if i >= 0], default=len(rest))
    authority, path = rest[:cut], rest[cut:]
    if not authority:
        raise Internal(f"not an http(s) URL: {url!r}")
    if not path.startswith("/"):
        path = "/" + path
    return (types.Scheme_Http() if scheme == "http" else types.Scheme_Https()), authority, path
