"""Without Debian's chromium the browser journeys skip with a message, except under CI=true: there they fail."""

from __future__ import annotations

import pytest

import tests.browser.conftest as browser


def test_without_chromium_the_journeys_skip_with_a_message_and_fail_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y chromium"):
        browser._need_chromium()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="browser tests need Debian's chromium"):
        browser._need_chromium()
