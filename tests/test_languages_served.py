"""Two students on one real server at the same moment, one reading English and one Chinese: each
sees its own language only, in the page and in the result its Train press draws (a fragment's
rerun: a script run on a thread of its own)."""

from __future__ import annotations

import json
import threading

from bench.classload import LESSONS, Site
from bench.protocol import Session
from nnlab import i18n


def test_an_english_and_a_chinese_session_on_one_server_each_see_only_their_own_language(data_dir, monkeypatch):
    monkeypatch.undo()  # loopback traffic to our own server needs the real network stack
    site = Site.start(data_dir)
    try:
        query = LESSONS["bump"] + "&epochs=200"
        sessions = {language: Session(site.url, "Train", query + ("&lang=zh-CN" if language == i18n.CHINESE else ""))
                    for language in (i18n.ENGLISH, i18n.CHINESE)}
        pages = {language: session.run() for language, session in sessions.items()}
        buttons = {language: next(element.button for kind, element in page.elements
                                  if kind == "button" and element.button.id.endswith("-train"))
                   for language, page in pages.items()}
        start, results = threading.Barrier(2), {}

        def press(language: str) -> None:
            start.wait()
            results[language] = sessions[language].click(buttons[language])
        threads = [threading.Thread(target=press, args=(language,)) for language in sessions]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for session in sessions.values():
            session.close()
    finally:
        site.stop()
    english, chinese = results[i18n.ENGLISH], results[i18n.CHINESE]
    assert buttons[i18n.ENGLISH].label == "Train" and buttons[i18n.CHINESE].label == "训练"
    assert pages[i18n.ENGLISH].texts("heading")[0] == "Train" and pages[i18n.CHINESE].texts("heading")[0] == "训练"
    assert english.first("metric", "Final train loss") and not english.first("metric", "最终训练损失")
    assert chinese.first("metric", "最终训练损失") and not chinese.first("metric", "Final train loss")
    titles = {language: [json.loads(element.vega_lite_chart.spec).get("title") for kind, element in run.elements
                         if kind == "vega_lite_chart"] for language, run in results.items()}
    assert "Loss" in titles[i18n.ENGLISH] and "损失" not in titles[i18n.ENGLISH]
    assert "损失" in titles[i18n.CHINESE] and "Loss" not in titles[i18n.CHINESE]
