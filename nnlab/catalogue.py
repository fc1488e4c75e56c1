"""The message catalogue kept in step with the code: `python -m nnlab.catalogue` extracts every
marked string (`_`, `N_` and `msg` calls, literal first arguments) from the app's code with Babel,
writes the template `nnlab/locales/nnlab.pot` and merges it into each language's `.po` (new
messages arrive untranslated, changed ones marked fuzzy: both show in English until translated).
tests/test_i18n.py fails while any message lacks a translation."""

from __future__ import annotations

import sys
from pathlib import Path

from nnlab import i18n

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("app.py", "pages", "nnlab")  # the code whose words reach a page
KEYWORDS = {"_": None, "N_": None, "msg": None}
TEMPLATE = i18n.LOCALES / f"{i18n.DOMAIN}.pot"


def extract():
    """Every marked message in the app's code, as a Babel Catalog (with where each one is used)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir, extract_from_file

    found = Catalog(project="nnlab", fuzzy=False)
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


def main() -> int:
    from babel.messages.pofile import read_po, write_po

    template = extract()
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    with open(TEMPLATE, "wb") as file:
        write_po(file, template, width=110, omit_header=False)
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
            write_po(file, catalogue, width=110, ignore_obsolete=True)
        missing = sum(1 for message in catalogue if message.id and not message.string)
        print(f"{language}: {len(catalogue)} messages, {missing} untranslated ({path.relative_to(ROOT)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
