"""The browser fixture's CSP watch catches a violation, so a clean journey means something."""

import pytest

from tests.browser.conftest import watch_csp

pytestmark = pytest.mark.browser


def test_inline_script_under_the_policy_is_reported(browser) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    violations = watch_csp(context)
    page = context.new_page()
    page.set_content(
        """<meta http-equiv="Content-Security-Policy" content="script-src 'self'">"""
        "<p>hostile</p><script>document.title = 'ran'</script>"
    )
    page.wait_for_timeout(200)
    assert page.title() != "ran"
    context.close()
    assert any("script-src" in v for v in violations), violations
