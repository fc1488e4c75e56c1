"""Shared fixtures: a private data directory holding the heart-failure table, and fixed seeds."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nnlab.tables import HEART_FILE

SHARED_HEART = Path(__file__).resolve().parents[2] / "shared" / "data" / "heart_failure_clinical_records.csv"
HEART_COLUMNS = ["age", "anaemia", "creatinine_phosphokinase", "diabetes", "ejection_fraction",
                 "high_blood_pressure", "platelets", "serum_creatinine", "serum_sodium", "sex", "smoking",
                 "time", "DEATH_EVENT"]


def synthetic_heart_table(rows: int = 299, seed: int = 0) -> pd.DataFrame:
    """A table of the real one's shape (12 features, a binary DEATH_EVENT with about 32% ones)."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(size=(rows, 12)) * 10 + 50, columns=HEART_COLUMNS[:-1])
    risk = frame["age"] - frame["ejection_fraction"] + rng.normal(size=rows) * 5
    frame["DEATH_EVENT"] = (risk > np.quantile(risk, 0.68)).astype(int)
    return frame


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("nnlab-data")
    if SHARED_HEART.exists():
        shutil.copy(SHARED_HEART, folder / HEART_FILE)
    else:
        synthetic_heart_table().to_csv(folder / HEART_FILE, index=False)
    return folder


@pytest.fixture(autouse=True)
def private_data_dir(data_dir, monkeypatch):
    """Every test reads downloads from its own folder and never touches the network."""
    monkeypatch.setenv("NNLAB_DATA_DIR", str(data_dir))
    monkeypatch.setattr("urllib.request.urlopen", _no_network)


def _no_network(*args, **kwargs):
    raise OSError("tests never use the network")
