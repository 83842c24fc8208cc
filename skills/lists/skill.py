"""The lists skill: shopping and to-do lists, kept in kv. "alışveriş listesine süt ekle",
"alışveriş listemi göster", "sütü alışveriş listesinden çıkar", "alışveriş listesini temizle"
(asks first) · "add milk to my shopping list", "what's on my to-do list", "remove milk from my
shopping list", "clear my shopping list".

Written in Python with `bantz_skill` (sdk/python) and built with componentize-py, to show that
a skill need not be Rust. A list is one kv key, `list:<name>`, holding its items in the order
they were added. `shopping` and `todo` are the lists people name most (alışveriş, market,
grocery · yapılacaklar, to-do); any other name makes a list of its own.
"""

import dataclasses
import typing

from bantz_skill import (
    Call,
    Command,
    DescriptionKind,
    Intent,
    InvalidArgs,
    Manifest,
    Reply,
    Skill,
    UnknownCommand,
    export,
    kv,
)

#: Most items one list keeps, and the longest item: a list is one kv value (1 MiB at most).
MAX_ITEMS = 200
MAX_ITEM_CHARS = 200

#: The words that name the two lists people use most, folded (see `fold`).
SHOPPING = {"alisveris", "market", "bakkal", "shopping", "grocery", "groceries"}
TODO = {"yapilacaklar", "yapilacak", "yapilacak isler", "is", "isler", "gorev", "gorevler",
        "todo", "to-do", "to do", "task", "tasks"}

#: What the lists are called in replies.
NAMES = {
    "shopping": ("alışveriş listesi", "shopping list"),
    "todo": ("yapılacaklar listesi", "to-do list"),
}


@dataclasses.dataclass
class ItemArgs:
    item: str
    list: typing.Optional[str] = None


@dataclasses.dataclass
class ListArgs:
    list: typing.Optional[str] = None


def list_schema(with_item: bool) -> dict:
    properties = {"list": {"type": "string", "description": "which list: shopping (the default), todo or any name"}}
    if with_item:
        properties["item"] = {"type": "string", "description": "the item; several with commas or 'and'"}
    return {"type": "object", "properties": properties, "required": ["item"] if with_item else []}


def intents(command: str, tr: typing.List[str], en: typing.List[str], item: bool) -> typing.List[Intent]:
    out = []
    for locale, templates in (("tr", tr), ("en", en)):
        intent = Intent(command, locale, templates).text_slot("list")
        out.append(intent.text_slot("item") if item else intent)
    return out


class Lists(Skill):
    def manifest(self) -> Manifest:
        manifest = (
            Manifest("lists", "0.1.0", "Keeps your shopping and to-do lists.")
            .command(
                Command("add", "Add items to a list")
                .args_schema(list_schema(True))
                .example("alışveriş listesine süt ekle")
                .example("add milk to my shopping list")
            )
            .command(
                Command("show", "Show what is on a list")
                .args_schema(list_schema(False))
                .example("alışveriş listemi göster")
                .example("what's on my shopping list")
            )
            .command(
                Command("remove", "Remove an item from a list")
                .args_schema(list_schema(True))
                .example("sütü alışveriş listesinden çıkar")
                .example("remove milk from my shopping list")
            )
            .command(
                Command("clear", "Empty a list")
                .args_schema(list_schema(False))
                .needs_confirmation()
                .example("alışveriş listesini temizle")
                .example("clear my shopping list")
            )
        )
        for intent in [
            *intents(
                "add",
                [
                    "{list} (listesine|listeme) {item} ekle",
                    "{item} {list} (listesine|listeme) ekle",
                    "(listeye|listeme) {item} ekle",
                    "{item} (listeye|listeme) ekle",
                ],
                [
                    "(add|put) {item} (to|on) [my|the] {list} list",
                    "(add|put) {item} (to|on) [my|the] list",
                ],
                True,
            ),
            *intents(
                "show",
                [
                    "{list} (listemi|listesini) göster",
                    "{list} (listemde|listesinde) [ne|neler] (var|kaldı)",
                    "{list} listem [ne|neler]",
                    "(listemi|listeyi) göster",
                    "(listemde|listede) [ne|neler] (var|kaldı)",
                ],
                [
                    "(show|read) [me] [my|the] {list} list",
                    "what's on [my|the] {list} list",
                    "what is on [my|the] {list} list",
                    "(show|read) [me] my list",
                    "what's on my list",
                ],
                False,
            ),
            *intents(
                "remove",
                [
                    "{list} (listesinden|listemden) {item} (çıkar|sil)",
                    "{item} {list} (listesinden|listemden) (çıkar|sil)",
                    "(listeden|listemden) {item} (çıkar|sil)",
                    "{item} (listeden|listemden) (çıkar|sil)",
                ],
                [
                    "(remove|delete|take) {item} (from|off) [my|the] {list} list",
                    "(remove|delete|take) {item} (from|off) [my|the] list",
                    "cross {item} off [my|the] [{list}] list",
                ],
                True,
            ),
            *intents(
                "clear",
                [
                    "{list} (listesini|listemi) (temizle|boşalt)",
                    "(listeyi|listemi) (temizle|boşalt)",
                ],
                [
                    "(clear|empty) [my|the] {list} list",
                    "(clear|empty) [my|the] list",
                ],
                False,
            ),
        ]:
            manifest = manifest.intent(intent)
        return manifest

    def describe(self, call: Call, kind: str) -> typing.Optional[str]:
        tr = call.locale == "tr"
        if kind == DescriptionKind.SUMMARY:
            summaries = {
                "add": ("Alışveriş ya da yapılacaklar listesine ekler", "Adds to your shopping or to-do list"),
                "show": ("Bir listede ne olduğunu söyler", "Says what is on a list"),
                "remove": ("Listeden bir şeyi çıkarır", "Removes something from a list"),
                "clear": ("Bir listeyi boşaltır", "Empties a list"),
            }
            pair = summaries.get(call.command)
            return None if pair is None else pair[0 if tr else 1]
        if call.command != "clear":
            return None
        try:
            name = list_name(call.args(ListArgs).list)
        except InvalidArgs:
            return None
        count = len(load(name))
        title = display(name, tr)
        if tr:
            return f"{cap(title, tr)} temizlensin mi? İçindeki {count} şey silinecek."
        return f"Shall I clear your {title}? The {count} item{'s' if count != 1 else ''} on it will be removed."

    def invoke(self, call: Call) -> Reply:
        tr = call.locale == "tr"
        if call.command == "add":
            args = call.args(ItemArgs)
            name, given = split_list_words(args.item, args.list)
            return add(name, items_of(given), tr)
        if call.command == "remove":
            args = call.args(ItemArgs)
            name, given = split_list_words(args.item, args.list)
            return remove(name, given.strip(), tr)
        if call.command == "show":
            return show(list_name(call.args(ListArgs).list), tr)
        if call.command == "clear":
            return clear(list_name(call.args(ListArgs).list), tr)
        raise UnknownCommand(call.command)


def add(name: str, new: typing.List[str], tr: bool) -> Reply:
    if not new:
        raise InvalidArgs("Listeye ne ekleyeyim?" if tr else "What shall I add to the list?")
    items = load(name)
    added, already = [], []
    for item in new:
        if any(fold(i) == fold(item) for i in items):
            already.append(item)
        elif len(items) >= MAX_ITEMS:
            raise InvalidArgs(
                f"{cap(display(name, tr), tr)} dolu ({MAX_ITEMS} şey)." if tr
                else f"Your {display(name, tr)} is full ({MAX_ITEMS} items)."
            )
        else:
            items.append(item)
            added.append(item)
    save(name, items)
    title = display(name, tr)
    if tr:
        parts = []
        if added:
            parts.append(f"{cap(title, tr)}ne ekledim: {', '.join(added)}.")
        if already:
            parts.append(f"Zaten listede: {', '.join(already)}.")
    else:
        parts = []
        if added:
            parts.append(f"Added {and_list(added)} to your {title}.")
        if already:
            parts.append(f"Already on it: {', '.join(already)}.")
    return Reply(" ".join(parts), {"list": name, "added": added, "items": items})


def remove(name: str, given: str, tr: bool) -> Reply:
    items = load(name)
    found = find(items, given)
    title = display(name, tr)
    if found is None:
        text = (f"{cap(title, tr)}nde \"{given}\" yok." if tr
                else f"\"{given}\" is not on your {title}.")
        return Reply(text, {"list": name, "removed": None, "items": items})
    item = items.pop(found)
    save(name, items)
    text = (f"{cap(title, tr)}nden çıkardım: {item}." if tr
            else f"Removed {item} from your {title}.")
    return Reply(text, {"list": name, "removed": item, "items": items})


def show(name: str, tr: bool) -> Reply:
    items = load(name)
    title = display(name, tr)
    if not items:
        text = f"{cap(title, tr)} boş." if tr else f"Your {title} is empty."
    elif tr:
        text = f"{cap(title, tr)}nde {len(items)} şey var:\n" + "\n".join(f"- {i}" for i in items)
    else:
        count = f"{len(items)} item{'s' if len(items) != 1 else ''}"
        text = f"Your {title} has {count}:\n" + "\n".join(f"- {i}" for i in items)
    return Reply(text, {"list": name, "items": items})


def clear(name: str, tr: bool) -> Reply:
    count = len(load(name))
    kv.delete(key(name))
    title = display(name, tr)
    if tr:
        text = f"{cap(title, tr)} temizlendi ({count} şey silindi)."
    else:
        text = f"Cleared your {title} ({count} item{'s' if count != 1 else ''} removed)."
    return Reply(text, {"list": name, "removed": count, "items": []})


def load(name: str) -> typing.List[str]:
    stored = kv.get_json(key(name))
    return list(stored["items"]) if stored else []


def save(name: str, items: typing.List[str]) -> None:
    if items:
        kv.set_json(key(name), {"items": items})
    else:
        kv.delete(key(name))


def key(name: str) -> str:
    return f"list:{name}"


def list_name(given: typing.Optional[str]) -> str:
    """`shopping`, `todo`, or the folded name of another list; shopping when none is named."""
    if not given or not given.strip():
        return "shopping"
    folded = fold(given)
    for suffix in (" listesi", " listem", " list"):
        folded = folded.removesuffix(suffix)
    if folded in SHOPPING:
        return "shopping"
    if folded in TODO:
        return "todo"
    return folded[:60]


def split_list_words(item: str, given: typing.Optional[str]) -> typing.Tuple[str, str]:
    """The list and the item, when the template's slots split "badem sütü alışveriş" (item,
    then list) after the first word: the list is the last word when it names a known list,
    and the words before it belong to the item."""
    words = (given or "").split()
    if len(words) > 1 and list_name(words[-1]) in NAMES:
        return list_name(words[-1]), f"{item} {' '.join(words[:-1])}"
    return list_name(given), item


def items_of(text: str) -> typing.List[str]:
    """The items in "süt, ekmek ve yumurta" / "milk, bread and eggs"."""
    for joiner in (" ve ", " and ", " & "):
        text = text.replace(joiner, ",")
    items = []
    for part in text.split(","):
        part = " ".join(part.split())[:MAX_ITEM_CHARS]
        if part and fold(part) not in {fold(i) for i in items}:
            items.append(part)
    return items


def find(items: typing.List[str], given: str) -> typing.Optional[int]:
    """Where `given` is in `items`: the same item up to case and Turkish letters, or that item
    with a case ending ("sütü" for "süt", "ekmeği" for "ekmek"), or the one item containing it."""
    wanted = fold(given)
    if not wanted:
        return None
    folded = [fold(i) for i in items]
    if wanted in folded:
        return folded.index(wanted)
    for index, item in enumerate(folded):
        stem = item[:-1] + "g" if item.endswith("k") else item
        for base in (item, stem):
            if wanted.startswith(base) and len(wanted) - len(base) <= 3:
                return index
    containing = [i for i, item in enumerate(folded) if wanted in item]
    return containing[0] if len(containing) == 1 else None


def display(name: str, tr: bool) -> str:
    if name in NAMES:
        return NAMES[name][0 if tr else 1]
    return f"{name} listesi" if tr else f"{name} list"


def cap(text: str, tr: bool) -> str:
    """`text` with a capital first letter; in Turkish the capital of i is İ."""
    if tr and text[:1] == "i":
        return "İ" + text[1:]
    return text[:1].upper() + text[1:]


def and_list(items: typing.List[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def fold(text: str) -> str:
    """Lower case, with Turkish letters as their ASCII look-alikes, so "Süt", "süt" and "sut"
    are one item."""
    text = text.replace("İ", "i").replace("I", "i").lower()
    return " ".join(text.translate(str.maketrans("ıışğüöç", "iisguoc")).split())


WitWorld = export(Lists)
