"""A run brought back, in real Chromium: a student uploads the weights and settings a run downloaded,
sees the network they make at epoch 0, opens Inside one step on them; a damaged file is refused
with its own message and the page keeps what it had. Screenshots land in test-artifacts/."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

from browser_support import PHONE, PROJECTOR, ROOT, open_at, require_chromium, settle
from requirements_support import need_module

import nnlab
from nnlab.export import experiment_json, weights_file

ARTIFACTS = ROOT / "test-artifacts"

need_module("playwright.sync_api")
require_chromium("the browser tests")


def _query(page) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlparse(page.url).query).items()}


def _upload(page, index: int, path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').nth(index).set_input_files(str(path))
    page.wait_for_timeout(800)


def _open_panel(page) -> None:
    toggle = page.get_by_text("Bring a run back").first
    toggle.scroll_into_view_if_needed()
    toggle.click()
    settle(page)


def test_a_student_brings_a_run_back_sees_its_network_and_opens_inside_one_step(browser, server, tmp_path):
    ARTIFACTS.mkdir(exist_ok=True)
    exp = nnlab.lessons.get("step-two-neurons").replace(seed=5, training={"epochs": 300})
    result = nnlab.train(exp)
    (tmp_path / "nnlab_weights.pt").write_bytes(weights_file(result.model))
    (tmp_path / "nnlab_experiment.json").write_text(experiment_json(exp))
    (tmp_path / "damaged.pt").write_bytes(weights_file(result.model)[:200])

    page = open_at(browser, f"{server.url}/Train?lesson=bump-twenty-neurons", PHONE)
    _open_panel(page)
    _upload(page, 0, tmp_path / "damaged.pt")
    page.get_by_role("button", name="Bring it back").click()
    page.get_by_text("This .pt file is damaged or cut short", exact=False).wait_for(timeout=30_000)
    assert "start" not in _query(page) and _query(page)["lesson"] == "bump-twenty-neurons"  # nothing else changed
    page.screenshot(path=str(ARTIFACTS / "bring-back-refused-phone.png"))

    page = open_at(browser, f"{server.url}/Train?lesson=bump-twenty-neurons", PROJECTOR)
    _open_panel(page)
    _upload(page, 0, tmp_path / "nnlab_weights.pt")
    _upload(page, 1, tmp_path / "nnlab_experiment.json")
    page.get_by_role("button", name="Bring it back").click()
    page.get_by_text("This run starts from weights brought back", exact=False).wait_for(timeout=30_000)
    settle(page)
    query = _query(page)
    assert len(query["start"]) == 16 and query["seed"] == "5" and query["lesson"] == "step-two-neurons"  # its settings
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1  # the network the weights make
    page.screenshot(path=str(ARTIFACTS / "bring-back-projector.png"))
    page.get_by_role("button", name="Inside one step on them").click()
    page.get_by_role("heading", name="Inside one step").first.wait_for(timeout=60_000)
    settle(page)
    assert _query(page)["start"] == query["start"]
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stAlertContentError"]').count() == 0
