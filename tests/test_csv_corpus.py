"""A corpus of malformed versions of the heart-failure table: each one either loads with every
recoverable row and a note of what changed, or is refused with a DataError naming the problem."""


import numpy as np
import pandas as pd
import pytest

import nnlab
from nnlab import DataError
from nnlab.data.tables import PACKAGED_HEART, store_upload

TARGET = "DEATH_EVENT"


@pytest.fixture(scope="module")
def heart(data_dir) -> pd.DataFrame:
    return pd.read_csv(PACKAGED_HEART)


def csv(frame: pd.DataFrame, **options) -> bytes:
    return frame.to_csv(index=False, **options).encode()


def with_cells(frame: pd.DataFrame, column: str, values: dict) -> pd.DataFrame:
    changed = frame.astype({column: object}).copy()
    for row, value in values.items():
        changed.loc[row, column] = value
    return changed


# name -> (make the file from the table, rows expected (or None for an error), words in the notes or error)
CORPUS = {
    "plain comma": (lambda f: csv(f), 299, None),
    "semicolons and decimal commas": (lambda f: csv(f, sep=";", decimal=","), 299, "decimal comma"),
    "tabs": (lambda f: csv(f, sep="\t"), 299, "tab"),
    "pipes": (lambda f: csv(f, sep="|"), 299, "'|'"),
    "UTF-8 byte order mark": (lambda f: b"\xef\xbb\xbf" + csv(f), 299, None),
    "CRLF line ends": (lambda f: csv(f, lineterminator="\r\n"), 299, None),
    "Latin-1 header": (lambda f: csv(f.rename(columns={"age": "\xe2ge"})).decode().encode("latin-1"), 299, "Windows-1252"),
    "UTF-16": (lambda f: f.to_csv(index=False).encode("utf-16"), 299, "UTF-16"),
    "missing cells": (lambda f: csv(with_cells(f, "platelets", {3: None, 40: None, 41: None})), 299, "3 missing cells"),
    "text around numbers": (lambda f: csv(with_cells(f, "age", {0: "75 yrs", 5: "90 years"})), 299, "text around a number"),
    "words in a number column": (lambda f: csv(with_cells(f, "serum_sodium", {7: "unknown"})), 299, "not numbers"),
    "yes/no labels": (lambda f: csv(f.assign(DEATH_EVENT=f[TARGET].map({1: "yes", 0: "no"}))), 299, "yes/no"),
    "True/False labels": (lambda f: csv(f.assign(DEATH_EVENT=f[TARGET].map({1: "True", 0: "False"}))), 299, "yes/no"),
    "text class labels": (lambda f: csv(f.assign(DEATH_EVENT=f[TARGET].map({1: "died", 0: "survived"}))), 299, "numbered"),
    "trailing empty cells": (lambda f: csv(f).replace(b"\n", b",\n").replace(b"DEATH_EVENT,\n", b"DEATH_EVENT\n"), 299,
                             "empty extra cells"),
    "ragged rows": (lambda f: csv(f) + b"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15\n", 299, "Skipped 1 rows"),
    "a short row without its label": (lambda f: csv(f) + b"60,1,200\n", 299, "Dropped 1 rows"),
    "missing labels": (lambda f: csv(with_cells(f, TARGET, {0: None, 1: None})), 297, "Dropped 2 rows"),
    "infinite values": (lambda f: csv(with_cells(f, "creatinine_phosphokinase", {2: np.inf, 3: -np.inf})), 299, "infinite"),
    "huge values": (lambda f: csv(with_cells(f, "platelets", {4: 1e300})), 299, None),
    "empty file": (lambda f: b"", None, "empty"),
    "only spaces": (lambda f: b"   \n \n", None, "empty"),
    "header only": (lambda f: csv(f.iloc[:0]), None, "no data rows"),
    "too few rows": (lambda f: csv(f.iloc[:5]), None, "at least 10"),
    "a single class": (lambda f: csv(f[f[TARGET] == 0]), None, "only one value"),
    "JSON instead of CSV": (lambda f: f.to_json().encode(), None, "JSON"),
    "HTML instead of CSV": (lambda f: b"<html><body><table><tr><td>1</td></tr></table></body></html>", None, "web page"),
    "binary junk": (lambda f: bytes(range(256)) * 4, None, "binary data"),
    "a zip file": (lambda f: b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(200), None, "binary data"),
}


@pytest.mark.parametrize("name", list(CORPUS))
def test_malformed_file_loads_what_it_can_or_names_the_problem(name, heart):
    make, rows, words = CORPUS[name]
    content = make(heart)
    if rows is None:
        with pytest.raises(DataError, match=words):
            nnlab.read_csv(content, target=TARGET)
        return
    table = nnlab.read_csv(content, target=TARGET)
    assert len(table.frame) == rows
    assert table.frame.notna().all().all() and np.isfinite(table.frame.to_numpy(float)).all()
    notes = " ".join(table.notes)
    assert (words is None and not table.notes) or (words is not None and words in notes), table.notes


def test_recovered_numbers_keep_their_values(heart):
    table = nnlab.read_csv(CORPUS["text around numbers"][0](heart), target=TARGET)
    assert table.frame["age"].iloc[0] == 75 and table.frame["age"].iloc[5] == 90


def test_every_loadable_variant_trains(heart, tmp_path):
    from nnlab.data.tables import store_upload

    for name in ("semicolons and decimal commas", "huge values", "text class labels"):
        key = store_upload(CORPUS[name][0](heart))
        exp = nnlab.Experiment(
            data=nnlab.DataSpec(name="csv", source=key, target=TARGET, train_fraction=0.8),
            model=nnlab.ModelSpec(hidden=(5,), activations=("relu",)),
            training=nnlab.TrainSpec(loss="bce_logits", optimizer="sgd", learning_rate=0.01, epochs=20),
        )
        result = nnlab.train(exp)
        assert result.diverged_at is None and np.isfinite(result.history["train_loss"]).all(), name


@pytest.mark.parametrize("seed", range(4))
def test_a_huge_value_in_either_split_trains_to_a_finite_loss(heart, seed):
    """Whether the 1e300 cell lands in the training rows (a huge std) or the test rows (clipped)."""
    key = store_upload(CORPUS["huge values"][0](heart))
    exp = nnlab.Experiment(
        data=nnlab.DataSpec(name="csv", source=key, target=TARGET, train_fraction=0.8, seed=seed),
        model=nnlab.ModelSpec(hidden=(5,), activations=("relu",)),
        training=nnlab.TrainSpec(loss="bce_logits", optimizer="sgd", learning_rate=0.01, epochs=5),
    )
    result = nnlab.train(exp)
    assert result.diverged_at is None and np.isfinite(result.history.drop(columns="epoch").to_numpy()).all()
    assert (4 in result.data.test_rows) == any("clipped" in note for note in result.data.notes)
