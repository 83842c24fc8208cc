"""Baseline A for `cargo xtask bench`: the four benchmarked Bantz endpoints in FastAPI + uvicorn.

The same routing rules as the host for these requests: the message is normalised (Turkish-aware
lower-casing, punctuation dropped) and matched against the clock skill's intent templates
(optional words `[...]`, choices `(a|b)`), compiled to regular expressions; the calendar's
"today" template reads events from SQLite; every chat turn is stored in SQLite, as the host
stores conversations. Bearer-token auth as the host does it. Run:

    BANTZ_API_TOKEN=t BENCH_DB=/tmp/kv.sqlite uvicorn fastapi_app:app --port 8099
"""

import json
import os
import re
import sqlite3
import time
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel

TOKEN = os.environ.get("BANTZ_API_TOKEN", "bench")
TZ = ZoneInfo("Europe/Istanbul")
STARTED = time.time()

# The clock skill's intent templates (skills/clock/src/lib.rs) and the calendar's agenda one.
TEMPLATES = {
    ("clock.now", "tr"): [
        "[şu an] [şimdi] saat kaç [acaba]",
        "saati söyle",
        "saati (söyler|söyleyebilir) misin",
        "saat ne",
    ],
    ("clock.now", "en"): [
        "what time is it [now]",
        "what's the time [now]",
        "what is the time [now]",
        "(tell me|give me) the time",
        "time",
    ],
    ("clock.today", "tr"): [
        "bugün (günlerden|hangi gün) ne",
        "bugün günlerden ne",
        "bugün hangi gün",
        "bugün ayın kaçı",
        "(bugünün tarihi|tarih) ne",
        "bugün tarih ne",
        "bugünün tarihi",
    ],
    ("clock.today", "en"): [
        "what's the date [today]",
        "what is the date [today]",
        "what's today's date",
        "what is today's date",
        "what day is (it|today)",
        "(today's|the) date",
    ],
    ("calendar.agenda", "tr"): [
        "bugün neler var takvimimde",
        "takvimimde bugün neler var",
        "bugün ne var",
    ],
}


def normalise(text: str) -> str:
    text = text.replace("I", "ı").replace("İ", "i").lower()
    text = re.sub(r"[^\w\s']", " ", text)
    return " ".join(text.split())


def compile_template(template: str) -> re.Pattern:
    out, i = [], 0
    for token in re.findall(r"\[[^\]]*\]|\([^)]*\)|\S+", template):
        if token.startswith("["):
            out.append(f"(?:{re.escape(normalise(token[1:-1]))} )?")
        elif token.startswith("("):
            choices = "|".join(re.escape(normalise(c)) for c in token[1:-1].split("|"))
            out.append(f"(?:{choices}) ")
        else:
            out.append(re.escape(normalise(token)) + " ")
        i += 1
    return re.compile("^" + "".join(out).rstrip() + r"\s?$")


MATCHERS = [
    (command, locale, compile_template(t))
    for (command, locale), templates in TEMPLATES.items()
    for t in templates
]


def route(message: str):
    text = normalise(message) + " "
    for command, locale, pattern in MATCHERS:
        if pattern.match(text):
            return command, locale
    return None, "tr"


DB_PATH = os.environ.get("BENCH_DB", "bench-kv.sqlite")


def connect() -> sqlite3.Connection:
    db = sqlite3.connect(DB_PATH, check_same_thread=False, isolation_level=None)
    # As the host opens its store: WAL, synchronous=FULL.
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("CREATE TABLE IF NOT EXISTS kv (skill TEXT, key TEXT, value TEXT, PRIMARY KEY (skill, key))")
    db.execute(
        "CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, session TEXT, role TEXT, text TEXT, at REAL)"
    )
    return db


DB = connect()
# One event today, as the bench adds one to the calendar skill before measuring.
_today = datetime.now(TZ).strftime("%Y-%m-%d")
DB.execute(
    "INSERT OR REPLACE INTO kv VALUES ('calendar', ?, ?)",
    (f"event:{_today}:bench", f'{{"title": "Bench", "start": "{_today}T23:00:00+03:00"}}'),
)
app = FastAPI()


def check_token(authorization):
    if authorization != f"Bearer {TOKEN}":
        raise HTTPException(status_code=401, detail="UNAUTHORIZED")


def run_command(command: str, locale: str, args: dict):
    now = datetime.now(TZ)
    if command == "clock.now":
        time_text = f"{now.hour:02}:{now.minute:02}"
        text = f"Saat {time_text}." if locale == "tr" else f"It's {time_text}."
        return text, {"time": time_text, "timezone": str(TZ), "iso": now.isoformat()}
    if command == "clock.today":
        return f"Bugün {now:%d.%m.%Y}.", {"date": now.strftime("%Y-%m-%d")}
    if command == "calendar.agenda":
        day = now.strftime("%Y-%m-%d")
        rows = DB.execute(
            "SELECT value FROM kv WHERE skill = 'calendar' AND key >= ? AND key < ?",
            (f"event:{day}", f"event:{day}~"),
        ).fetchall()
        if not rows:
            return "Bugün takviminde bir şey yok.", {"events": []}
        events = [json.loads(r[0]) for r in rows]
        lines = "\n".join(f"- {e['start'][11:16]} {e['title']}" for e in events)
        return f"Bugün takviminde {len(events)} etkinlik var:\n{lines}", {"events": events}
    raise HTTPException(status_code=404, detail="UNKNOWN_COMMAND")


class ChatRequest(BaseModel):
    message: str
    session_id: str | None = None


class CommandRequest(BaseModel):
    command: str
    args: dict | None = None
    locale: str | None = None


@app.get("/api/v1/health")
def health():
    return {
        "status": "ok",
        "version": "baseline",
        "uptime_seconds": int(time.time() - STARTED),
        "components": {"database": "ok", "skills": {"loaded": 2}},
    }


def uuid7():
    """A time-ordered UUID (v7), as the host gives new conversations (Python 3.11 has none)."""
    rand = int.from_bytes(os.urandom(10), "big")
    value = ((time.time_ns() // 1_000_000) << 80) | (0x7 << 76) | (((rand >> 62) & 0xFFF) << 64) | (0b10 << 62)
    return str(uuid.UUID(int=value | (rand & ((1 << 62) - 1))))


@app.post("/api/v1/chat")
def chat(body: ChatRequest, authorization: str | None = Header(default=None)):
    check_token(authorization)
    started = time.perf_counter()
    session = body.session_id or uuid7()
    command, locale = route(body.message)
    if command is None:
        text, data, tools = "Şunları yapabilirim: saat, tarih, takvim.", None, []
    else:
        text, data = run_command(command, locale, {})
        tools = [command]
    now = time.time()
    DB.executemany(
        "INSERT INTO messages (session, role, text, at) VALUES (?, ?, ?, ?)",
        [(session, "user", body.message, now), (session, "assistant", text, now)],
    )
    return {
        "response": text,
        "session_id": session,
        "tools_used": tools,
        "tier": "rules",
        "latency_ms": int((time.perf_counter() - started) * 1000),
        "locale": locale,
        "data": data,
    }


@app.post("/api/v1/commands")
def commands(body: CommandRequest, authorization: str | None = Header(default=None)):
    check_token(authorization)
    text, data = run_command(body.command, body.locale or "en", body.args or {})
    return JSONResponse({"response": text, "command": body.command, "data": data})
