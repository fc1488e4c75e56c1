"""The message catalogue, and README.md's lists of choices, kept in step with the code: `python -m nnlab.catalogue` extracts every
marked string (`_`, `N_` and `msg` calls, literal first arguments) from the app's code with Babel,
writes the template `nnlab/locales/nnlab.pot` and merges it into each language's `.po` (new
messages arrive untranslated, changed ones marked fuzzy: both show in English until translated).
tests/test_i18n.py fails while any message lacks a translation. Each message names the files that
use it, not their lines, and the template's date is fixed: a new word changes a few lines, not
every reference below it. README.md's lists of the choices (optimizers, activations, losses, ...)
are written between its `<!-- choices -->` marks from nnlab.choices, so a new choice is listed the
day it lands (tests/test_package.py checks the README is current)."""

from __future__ import annotations

import datetime
import io
import sys
from pathlib import Path

from nnlab import i18n

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("app.py", "pages", "nnlab")  # the code whose words reach a page
KEYWORDS = {"_": None, "N_": None, "msg": None}
TEMPLATE = i18n.LOCALES / f"{i18n.DOMAIN}.pot"
CREATED = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)  # fixed, so that a run changes only what did


def extract():
    """Every marked message in the app's code, as a Babel Catalog (with where each one is used)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir, extract_from_file

    found = Catalog(project="nnlab", fuzzy=False, creation_date=CREATED)
    for source in SOURCES:
        path = ROOT / source
        if path.is_file():
            results = ((source, lineno, message, comments, context)
                       for lineno, message, comments, context in extract_from_file("python", path, keywords=KEYWORDS))
        else:
            results = ((f"{source}/{name}", lineno, message, comments, context) for name, lineno, message, comments, context
                       in extract_from_dir(path, keywords=KEYWORDS, directory_filter=lambda folder: "__pycache__" not in folder))
        for filename, lineno, message, _comments, context in results:
            if isinstance(message, str) and message:
                found.add(message, locations=[(filename, lineno)], context=context,
                          flags=("python-brace-format",) if i18n.placeholders(message) else ())
    return found


README = ROOT / "README.md"
MARKS = ("<!-- choices -->\n", "<!-- /choices -->\n")


def _listed(table: dict) -> str:
    labels = [choice.label for choice in table.values()]
    return ", ".join(labels[:-1]) + " and " + labels[-1] if len(labels) > 1 else labels[0]


def readme_choices() -> str:
    """What README.md lists between its marks: every choice a setting offers, from nnlab.choices."""
    from nnlab import choices
    rows = {"Optimizers": choices.OPTIMIZERS, "Activations": choices.ACTIVATIONS, "Losses": choices.LOSSES,
            "Initial weights": choices.INITIALIZERS, "Learning-rate schedules": choices.SCHEDULES}
    return "".join(f"- **{name}:** {_listed(table)}.\n" for name, table in rows.items())


def readme_with_choices(text: str) -> str:
    start, end = text.index(MARKS[0]) + len(MARKS[0]), text.index(MARKS[1])
    return text[:start] + readme_choices() + text[end:]


def template_text(template) -> bytes:
    """The template file as this module writes it (tests/test_i18n.py compares it with the one kept)."""
    from babel.messages.pofile import write_po

    written = io.BytesIO()
    write_po(written, template, width=110, omit_header=False, include_lineno=False)
    return written.getvalue()


def main() -> int:
    from babel.messages.pofile import read_po, write_po

    README.write_text(readme_with_choices(README.read_text()))
    template = extract()
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    TEMPLATE.write_bytes(template_text(template))
    for language in i18n.LANGUAGES:
        if language == i18n.ENGLISH:
            continue
        path = i18n.po_file(language)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with open(path, "rb") as file:
                catalogue = read_po(file, locale=i18n.locale_name(language))
        else:
            from babel.messages.catalog import Catalog
            catalogue = Catalog(locale=i18n.locale_name(language), project="nnlab", fuzzy=False)
        catalogue.update(template, no_fuzzy_matching=True, update_creation_date=False)
        with open(path, "wb") as file:
            write_po(file, catalogue, width=110, ignore_obsolete=True, include_lineno=False)
        missing = sum(1 for message in catalogue if message.id and not message.string)
        print(f"{language}: {len(catalogue)} messages, {missing} untranslated ({path.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
