"""Real tables: reading user CSVs with a report of every change, and the cached heart-failure download."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import tempfile
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from nnlab.errors import DataError
from nnlab.i18n import N_, msg

HEART_FILE = "heart_failure_clinical_records_dataset.csv"
HEART_URL = "https://archive.ics.uci.edu/ml/machine-learning-databases/00519/" + HEART_FILE
PACKAGED_HEART = Path(__file__).with_name(HEART_FILE)  # CC BY 4.0: attribution in nnlab/data/README.md
MIN_ROWS = 10
YES_NO = {"yes": 1, "no": 0, "true": 1, "false": 0, "y": 1, "n": 0, "t": 1, "f": 0}


@dataclass
class Table:
    frame: pd.DataFrame  # numeric features and the target column, no missing cells
    target: str
    notes: list[str] = field(default_factory=list)
    class_names: list[str] = field(default_factory=list)  # original labels when they were text


def data_dir() -> Path:
    """Where downloads and uploads are kept: $NNLAB_DATA_DIR, else ~/.cache/nnlab."""
    return Path(os.environ.get("NNLAB_DATA_DIR") or Path.home() / ".cache" / "nnlab")


def load_heart_failure() -> pd.DataFrame:
    """The heart-failure table: a copy refreshed into the data directory if there is one, else the
    copy that ships with nnlab (nnlab/data/, CC BY 4.0). Never the network: a lecture hall's fails."""
    refreshed = data_dir() / HEART_FILE
    return read_csv(refreshed if refreshed.exists() else PACKAGED_HEART, target="DEATH_EVENT").frame


def refresh_heart_failure() -> Path:
    """Download the heart-failure table again into the data directory, where it takes precedence
    over the shipped copy; a DataError (and the shipped copy kept) if the download fails."""
    path = data_dir() / HEART_FILE
    try:
        with urllib.request.urlopen(HEART_URL, timeout=10) as response:
            content = response.read()
    except OSError as error:
        raise DataError(msg("The heart-failure table could not be downloaded ({error}); the copy that ships with nnlab is "
                            "used.", error=error)) from None
    read_csv(content, target="DEATH_EVENT")  # refuse a broken download before it replaces anything
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def keep(content: bytes, folder: str, suffix: str) -> str:
    """Keep a file in the data directory's `folder` under its content's hash, the short key an
    Experiment names it by. Whole or not at all: written to a file of its own, then renamed, since
    another thread or process may write or read the same one at the same moment."""
    key = hashlib.sha256(content).hexdigest()[:16]
    place = data_dir() / folder
    place.mkdir(parents=True, exist_ok=True)
    path = place / f"{key}{suffix}"
    if not path.exists():
        handle, partial = tempfile.mkstemp(dir=place, suffix=".part")
        with os.fdopen(handle, "wb") as file:
            file.write(content)
        os.replace(partial, path)
    return key


def store_upload(content: bytes) -> str:
    """Keep an uploaded table, so an Experiment can name it by a short key."""
    return keep(content, "uploads", ".csv")


def load_upload(key: str, target: str) -> Table:
    path = data_dir() / "uploads" / f"{key}.csv"
    if not path.exists():
        raise DataError(N_("The uploaded file is no longer on the server; please upload it again."))
    return read_csv(path, target=target)


def read_csv(source, target: str | None = None) -> Table:
    """Read a CSV (path, bytes or file object) into a clean numeric table, or raise `DataError`.

    Recoverable problems are fixed and listed in `notes`; nothing is dropped without a note.
    The target defaults to the last column.
    """
    text, notes = _decode(_read_bytes(source))
    frame = _parse(text, notes)
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.columns.duplicated().any():
        raise DataError(N_("Two columns have the same name; give every column a distinct header."))
    target = target or frame.columns[-1]
    if target not in frame.columns:
        raise DataError(msg("There is no column named {target!r}; columns are: {value}.", target=target,
                            value=', '.join(frame.columns)))
    if frame.shape[1] < 2:
        raise DataError(N_("The table needs at least one feature column besides the target."))
    labels, class_names = _clean_target(frame[target], notes)
    keep = labels.notna()
    if not keep.all():
        notes.append(msg("Dropped {value} rows whose target {target!r} was empty.", value=int((~keep).sum()), target=target))
    features = _clean_features(frame.drop(columns=[target])[keep], notes)
    clean = features.assign(**{target: labels[keep]}).reset_index(drop=True)
    if len(clean) < MIN_ROWS:
        raise DataError(msg("The table has {count} usable rows; at least {min_rows} are needed to train and test.",
                            count=len(clean), min_rows=MIN_ROWS))
    if clean[target].nunique() < 2:
        raise DataError(msg("The target {target!r} has only one value, so there is nothing to tell apart.", target=target))
    return Table(clean, target, notes, class_names)


def _read_bytes(source) -> bytes:
    if isinstance(source, (bytes, bytearray)):
        return bytes(source)
    if isinstance(source, (str, Path)):
        return Path(source).read_bytes()
    content = source.getvalue() if hasattr(source, "getvalue") else source.read()
    return content.encode() if isinstance(content, str) else content


def _decode(content: bytes) -> tuple[str, list[str]]:
    if not content.strip():
        raise DataError(N_("The file is empty."))
    if content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return content.decode("utf-16"), ["The file is UTF-16 text; it was read as such."]
    if b"\x00" in content[:4096]:
        raise DataError(N_("This is not a text CSV file (it contains binary data). Save the table as CSV and try again."))
    try:
        text, notes = content.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        text = content.decode("cp1252", errors="replace")
        notes = [N_("The file is not UTF-8; it was read as Windows-1252 (Latin) text.")]
    start = text.lstrip()[:1]
    if start in ("{", "["):
        raise DataError(N_("This looks like a JSON file, not a CSV table. Export the table as CSV and try again."))
    if start == "<":
        raise DataError(N_("This looks like a web page or XML, not a CSV table. Export the table as CSV and try again."))
    return text, notes


def _parse(text: str, notes: list[str]) -> pd.DataFrame:
    sample = "\n".join(text.splitlines()[:50])
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    if delimiter != ",":
        notes.append(msg("Columns are separated by {value}.", value=N_('tab') if delimiter == chr(9) else repr(delimiter)))
    decimal = "," if delimiter != "," and _has_decimal_commas(sample) else "."
    if decimal == ",":
        notes.append(N_("Numbers use a decimal comma (1,5 means 1.5)."))
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    header = rows[0] if rows else []
    padded = sum(1 for row in rows[1:] if len(row) > len(header) and not any(c.strip() for c in row[len(header):]))
    skipped = []

    def too_long(cells: list[str]) -> list[str] | None:
        """A row with more cells than the header: keep it if the extra cells are empty."""
        if all(not cell.strip() for cell in cells[len(header):]):
            return cells[:len(header)]
        skipped.append(1)
        return None

    try:  # index_col=False: a delimiter ending every row must not turn the first column into an index
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, decimal=decimal, engine="python", index_col=False,
                            skipinitialspace=True, on_bad_lines=too_long)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error) as error:
        raise DataError(msg("This file could not be read as a table: {error}", error=error)) from None
    if padded:
        notes.append(msg("{padded} rows ended in empty extra cells; the empty cells were ignored.", padded=padded))
    if skipped:
        notes.append(msg("Skipped {count} rows that had more filled cells than the header has columns.", count=len(skipped)))
    if frame.empty:
        raise DataError(N_("The file has a header but no data rows."))
    return frame


def _has_decimal_commas(sample: str) -> bool:
    return re.search(r"(?<![\d,])\d+,\d+(?![\d,])", sample) is not None


def _clean_target(labels: pd.Series, notes: list[str]) -> tuple[pd.Series, list[str]]:
    """Numeric labels stay; yes/no becomes 1/0; other text becomes class numbers in sorted order."""
    if pd.api.types.is_bool_dtype(labels):
        notes.append(msg("Target {name!r}: text labels yes/no (true/false) were turned into 1/0.", name=labels.name))
        return labels.astype(float), ["0", "1"]
    numeric = pd.to_numeric(labels, errors="coerce")
    if numeric.notna().sum() == labels.notna().sum():
        return numeric.where(np.isfinite(numeric)), []
    text = labels.astype("string").str.strip()
    lowered = text.str.lower()
    if lowered.dropna().isin(YES_NO.keys()).all():
        notes.append(msg("Target {name!r}: text labels yes/no (true/false) were turned into 1/0.", name=labels.name))
        return lowered.map(YES_NO).astype(float), ["0", "1"]
    classes = sorted(text.dropna().unique())
    notes.append(msg("Target {name!r}: {count} text labels were numbered 0..{value} ({value2}{value3}).", name=labels.name,
                     count=len(classes), value=len(classes) - 1, value2=', '.join(classes[:5]),
                     value3=', …' if len(classes) > 5 else ''))
    return text.map({name: i for i, name in enumerate(classes)}).astype(float), list(classes)


NUMBER_IN_TEXT = r"^\s*[^\d\s.+-]{0,3}\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*[^\d\s]{0,12}\s*$"


def _unwrap_numbers(column: pd.Series, numeric: pd.Series) -> tuple[pd.Series, int]:
    """Cells like '75 yrs' or '$120' in an otherwise numeric column: keep their number."""
    failed = numeric.isna() & column.notna()
    if not failed.any() or failed.sum() == column.notna().sum():
        return numeric, 0
    found = column[failed].astype(str).str.extract(NUMBER_IN_TEXT, expand=False)
    recovered = pd.to_numeric(found, errors="coerce").dropna()
    return numeric.fillna(recovered), len(recovered)


def _clean_features(features: pd.DataFrame, notes: list[str]) -> pd.DataFrame:
    clean = pd.DataFrame(index=features.index)
    for name, column in features.items():
        numeric = pd.to_numeric(column, errors="coerce")
        numeric, unwrapped = _unwrap_numbers(column, numeric)
        if unwrapped:
            notes.append(msg("Column {name!r}: {unwrapped} cells had text around a number (such as '75 yrs'); the number was "
                             "kept.", name=name, unwrapped=unwrapped))
        was_text = int((numeric.isna() & column.notna()).sum())
        if was_text == column.notna().sum() and was_text:
            lowered = column.astype("string").str.strip().str.lower()
            if lowered.dropna().isin(YES_NO.keys()).all():
                clean[name] = lowered.map(YES_NO).astype(float)
                notes.append(msg("Column {name!r}: yes/no text turned into 1/0.", name=name))
                continue
            notes.append(msg("Dropped column {name!r}: it holds text, not numbers.", name=name))
            continue
        if was_text:
            notes.append(msg("Column {name!r}: {was_text} cells were not numbers and were treated as missing.", name=name,
                             was_text=was_text))
        infinite = int(np.isinf(numeric).sum())
        if infinite:
            numeric = numeric.where(np.isfinite(numeric))
            notes.append(msg("Column {name!r}: {infinite} infinite values were treated as missing.", name=name,
                             infinite=infinite))
        clean[name] = numeric.astype(float)
    if clean.shape[1] == 0:
        raise DataError(N_("No column besides the target holds numbers, so there is nothing to learn from."))
    missing = clean.isna().sum()
    for name, count in missing[missing > 0].items():
        fill = clean[name].median()
        clean[name] = clean[name].fillna(0.0 if pd.isna(fill) else fill)
        notes.append(msg("Column {name!r}: {value} missing cells filled with the column median.", name=name, value=int(count)))
    return clean
