"""read_csv on good and bad files, the heart-failure cache, and uploaded tables."""

import pandas as pd
import pytest

import nnlab
from nnlab import DataError
from nnlab.data.tables import HEART_FILE, PACKAGED_HEART, data_dir, load_heart_failure, refresh_heart_failure, store_upload


@pytest.fixture
def heart_csv(data_dir) -> bytes:
    return PACKAGED_HEART.read_bytes()


def test_heart_table_reads_clean_with_no_notes(heart_csv):
    table = nnlab.read_csv(heart_csv, target="DEATH_EVENT")
    assert table.frame.shape == (299, 13) and table.notes == []
    assert table.frame.dtypes.map(pd.api.types.is_numeric_dtype).all()


def test_semicolons_and_decimal_commas_load_every_row(heart_csv):
    frame = pd.read_csv(pd.io.common.BytesIO(heart_csv))
    text = frame.to_csv(sep=";", decimal=",", index=False).encode()
    table = nnlab.read_csv(text, target="DEATH_EVENT")
    assert len(table.frame) == 299
    assert table.frame["serum_creatinine"].tolist() == pytest.approx(frame["serum_creatinine"].tolist())
    assert any("decimal comma" in note for note in table.notes) and any("';'" in note for note in table.notes)


def test_yes_no_labels_become_one_and_zero_with_a_note(heart_csv):
    frame = pd.read_csv(pd.io.common.BytesIO(heart_csv))
    frame["DEATH_EVENT"] = frame["DEATH_EVENT"].map({1: "Yes", 0: "no"})
    table = nnlab.read_csv(frame.to_csv(index=False).encode(), target="DEATH_EVENT")
    assert len(table.frame) == 299 and set(table.frame["DEATH_EVENT"]) == {0.0, 1.0}
    assert any("yes/no" in note for note in table.notes)


def test_text_labels_are_numbered_and_missing_cells_filled_with_notes():
    rows = [f"{i},{i * 2 if i != 3 else ''},{'cat' if i % 2 else 'dog'}" for i in range(12)]
    table = nnlab.read_csv(("a,b,label\n" + "\n".join(rows)).encode())
    assert table.target == "label" and table.class_names == ["cat", "dog"]
    assert table.frame["b"].isna().sum() == 0 and len(table.frame) == 12
    assert any("1 missing cells filled" in note for note in table.notes)


def test_bom_crlf_and_latin1_are_read():
    text = "x,y,target\r\n" + "\r\n".join(f"{i},{i % 3},{i % 2}" for i in range(12))
    assert len(nnlab.read_csv(b"\xef\xbb\xbf" + text.encode()).frame) == 12
    latin = ("caf\xe9,y,target\n" + "\n".join(f"{i},{i},{i % 2}" for i in range(12))).encode("latin-1")
    table = nnlab.read_csv(latin)
    assert "café" in table.frame.columns and any("Windows-1252" in n for n in table.notes)


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"a,b,target\n", "no data rows"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00binary", "binary data"),
    (b"a,target\n" + b"\n".join(b"%d,1" % i for i in range(12)), "only one value"),
    (b"a,target\n1,0\n2,1\n", "at least 10"),
    (b"name,target\n" + b"\n".join(b"x%d,%d" % (i, i % 2) for i in range(12)), "No column besides the target"),
])
def test_unusable_files_raise_a_data_error_naming_the_problem(content, words):
    with pytest.raises(DataError, match=words):
        nnlab.read_csv(content)


def test_unknown_target_column_is_named_in_the_error(heart_csv):
    with pytest.raises(DataError, match="no column named 'death'"):
        nnlab.read_csv(heart_csv, target="death")


def test_the_heart_table_ships_with_nnlab_and_needs_no_network(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path / "empty"))  # nothing downloaded, and no network in tests
    table = load_heart_failure()
    assert table.shape == (299, 13) and table["DEATH_EVENT"].sum() == 96


def test_a_refreshed_copy_takes_precedence_and_a_failed_refresh_keeps_the_shipped_one(tmp_path, monkeypatch):
    monkeypatch.setenv("NNLAB_DATA_DIR", str(tmp_path))
    with pytest.raises(DataError, match="could not be downloaded.*the copy that ships with nnlab is used"):
        refresh_heart_failure()
    assert not (tmp_path / HEART_FILE).exists() and len(load_heart_failure()) == 299
    shorter = b"\n".join(PACKAGED_HEART.read_bytes().splitlines()[:101])
    (tmp_path / HEART_FILE).write_bytes(shorter)
    assert len(load_heart_failure()) == 100
    assert data_dir() == tmp_path


def test_uploaded_table_trains_as_an_experiment(heart_csv):
    key = store_upload(heart_csv)
    exp = nnlab.Experiment(data=nnlab.DataSpec(name="csv", source=key, target="DEATH_EVENT", train_fraction=0.8),
                           training=nnlab.TrainSpec(loss="bce_logits", epochs=5))
    data = nnlab.load_data(exp)
    assert data.task == "binary" and len(data.x_test) == 60
    assert len(nnlab.train(exp).history) == 5
