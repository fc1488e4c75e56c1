"""The learner's language: English (the source text) and Simplified Chinese, chosen per session.

The catalogue is gettext's: English text is the message id, and `nnlab/locales/zh_CN/LC_MESSAGES/
nnlab.po` holds its Chinese. Why gettext with Babel: its extractor finds every marked string in the
code (`_`, `N_` and `msg` calls) and its `update` merges new ones into the `.po` file, which
translators' tools read; the `.po` is read as it is, no compiled `.mo` to keep in step. How to add
a language: docs/languages.md.

No language is ever process-wide: one server serves a whole class, and two students may read two
languages at the same moment. The core keeps English text, or a `Message` (an English string that
remembers its template and values), in what it caches and raises; the UI translates at display
time with its session's language. Pictures are the one exception: their templates are made once
per language, so the UI names the language for each script run in `LANGUAGE` (a context variable:
each script run of each session is its own thread).
"""

from __future__ import annotations

import functools
import string
from contextvars import ContextVar
from pathlib import Path

ENGLISH, CHINESE = "en", "zh-CN"
LANGUAGES = {ENGLISH: "English", CHINESE: "简体中文"}  # each named in itself, for the switch
LOCALES = Path(__file__).with_name("locales")
DOMAIN = "nnlab"
LANGUAGE: ContextVar[str] = ContextVar("language", default=ENGLISH)  # the pictures' language in this script run


class Message(str):
    """English text made from a template and values, which a translation renders again: an error
    raised in the core reads as English anywhere, and in the student's language on the page."""

    template: str
    values: dict
    capital: bool = False  # begins a sentence: its first letter upper case, where the language has cases

    def __new__(cls, template: str, capital: bool = False, **values):
        text = template.format(**values) if values else template
        made = super().__new__(cls, _sentence_start(text) if capital else text)
        made.template, made.values, made.capital = template, values, capital
        return made

    def __reduce__(self):  # pickled (a cached result's notes): a Message again
        return _message, (self.template, self.capital, self.values)


def _message(template: str, capital: bool, values: dict) -> Message:
    return Message(template, capital, **values)


def capitalized(text) -> Message:
    """`text` (a Message or plain English) to begin a sentence with: "learning rate" -> "Learning rate"."""
    if isinstance(text, Message):
        return Message(text.template, True, **text.values)
    return Message(str(text), True)


def msg(template: str, **values) -> Message:
    """A translatable message with `{placeholders}`, as English now and in any language later."""
    return Message(template, **values)


def joined(parts, separator: str = " · ") -> Message:
    """Messages (or plain text) side by side, each translated on its own."""
    parts = list(parts)
    return Message(separator.join(f"{{part{i}}}" for i in range(len(parts))),
                   **{f"part{i}": part for i, part in enumerate(parts)})


def N_(text: str) -> Message:
    """Marks text declared in a table (a label, a lesson's card) for the catalogue; it stays English
    until the UI translates it."""
    return Message(text)


@functools.cache
def catalogue(language: str) -> dict[str, str]:
    """A language's translations, message id -> text (empty for English, the source language)."""
    if language == ENGLISH:
        return {}
    from babel.messages.pofile import read_po  # only where a translation is asked for

    with open(po_file(language), "rb") as file:
        messages = read_po(file, locale=locale_name(language))
    return {message.id: message.string for message in messages
            if message.id and message.string and not message.fuzzy and isinstance(message.id, str)}


def po_file(language: str) -> Path:
    return LOCALES / locale_name(language) / "LC_MESSAGES" / f"{DOMAIN}.po"


def locale_name(language: str) -> str:
    """A language's tag as a locale folder names it: zh-CN -> zh_CN."""
    return language.replace("-", "_")


def translate(text, language: str, **values) -> str:
    """`text` (plain English, a Message, or an nnlab error) in `language`, with `values` filled in.
    A value that is itself a Message (or an error) is translated too; other values (numbers, names a
    student typed, code) are shown as they are. Text the catalogue lacks stays English."""
    if isinstance(text, BaseException):
        text = text.args[0] if text.args and isinstance(text.args[0], str) else str(text)
    if language == ENGLISH and not values:  # the source language: a Message is already its English
        return str(text)
    if isinstance(text, Message):
        template, values = text.template, {**text.values, **values}
    else:
        template = str(text)
    if language != ENGLISH:
        template = catalogue(language).get(template, template)
        values = {name: translate(value, language) if isinstance(value, (Message, BaseException)) else value
                  for name, value in values.items()}
    made = template.format(**values) if values else template
    return _sentence_start(made) if getattr(text, "capital", False) else made


def _sentence_start(text: str) -> str:
    """Its first letter upper case, if an ASCII one: "β1" stays a symbol, not "Β1"."""
    return text[:1].upper() + text[1:] if text[:1].isascii() else text


def placeholders(template: str) -> set[str]:
    """The names a template fills in ("{low:g} to {high}" -> {"low", "high"})."""
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


def from_browser(locale: str | None) -> str:
    """The language to start in for a browser's locale ("zh-CN", "zh-Hans", "zh"): ours, or English."""
    return CHINESE if (locale or "").lower().startswith("zh") else ENGLISH


def parse(text: str) -> str:
    """A link's `lang` value as one of LANGUAGES (case and an underscore forgiven); ValueError if not one."""
    for language in LANGUAGES:
        if text.replace("_", "-").lower() == language.lower():
            return language
    raise ValueError(text)
