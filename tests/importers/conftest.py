import shutil
from pathlib import Path

import pytest

from candor.importers import bulk_reviews
from candor.importers.amazon import AmazonReviewsImporter

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """Copies of the Amazon fixtures (items and reviews), so rejects files land in tmp_path."""
    return {
        name: Path(shutil.copy(FIXTURES / f"amazon_{name}.jsonl", tmp_path))
        for name in ("items", "reviews")
    }


@pytest.fixture
def second_batch_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """Amazon reviews in batches of 2, and the second batch raises RuntimeError after
    its users and new reviews were written (update_reviews comes last)."""
    monkeypatch.setattr(AmazonReviewsImporter, "batch_size", 2)
    calls = []
    original = bulk_reviews.update_reviews

    def fail_on_second_batch(updated):  # type: ignore[no-untyped-def]
        calls.append(updated)
        if len(calls) == 2:
            raise RuntimeError("disk on fire")
        return original(updated)

    monkeypatch.setattr(bulk_reviews, "update_reviews", fail_on_second_batch)
