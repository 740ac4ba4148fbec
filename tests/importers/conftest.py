import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Copies of the Amazon fixtures (items and reviews), so rejects files land in tmp_path."""
    return {
        name: Path(shutil.copy(FIXTURES / f"amazon_{name}.jsonl", tmp_path))
        for name in ("items", "reviews")
    }
