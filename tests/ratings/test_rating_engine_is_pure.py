import subprocess
import sys


def test_rating_engine_imports_no_django_and_no_web_code() -> None:
    code = (
        "import sys, candor.ratings; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] == 'django' "
        "or m.startswith(('candor.catalog', 'candor.reviews', 'candor.settings'))); "
        "print(','.join(bad))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
