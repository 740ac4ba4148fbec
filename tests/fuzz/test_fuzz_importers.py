"""Fuzzing every importer: random and hostile files only ever give clean row errors.

Each example is a file: CSV with the importer's own header (sometimes shuffled, cut or
padded) and hostile cells, JSON lines with hostile values under the source's keys, or
plain random bytes. The import must finish with every row either saved or rejected
with a reason (never an exception), and in strict mode stop with StrictStop or a
file-level RowError, which `candor import` prints as a clean error.
"""

import csv
import io
import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from candor.importers import IMPORTERS
from candor.importers.amazon import AmazonItemsImporter, AmazonReviewsImporter
from candor.importers.base import Importer, ImportReport, RowError, StrictStop
from tests.fuzz.budget import fuzz_settings
from tests.fuzz.hostile import hostile_bytes, hostile_text, json_values

pytestmark = pytest.mark.django_db

CSV_KINDS = sorted(kind for kind, cls in IMPORTERS.items() if cls.file_format == "csv")
AMAZON_KEYS = sorted(
    {*AmazonReviewsImporter.columns.values(), *AmazonItemsImporter.columns.values(), "asin"}
)


@st.composite
def csv_file(draw: st.DrawFn, headers: list[str]) -> bytes:
    header = draw(st.permutations(headers))
    header = header[: draw(st.integers(min_value=max(0, len(header) - 2), max_value=len(header)))]
    header += draw(st.lists(hostile_text, max_size=2))
    rows = draw(
        st.lists(
            st.lists(hostile_text, min_size=0, max_size=len(header) + 2),
            max_size=6,
        )
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    data = out.getvalue().encode("utf-8", "surrogatepass")
    if draw(st.booleans()):  # break the file somewhere with raw bytes
        at = draw(st.integers(min_value=0, max_value=len(data)))
        data = data[:at] + draw(hostile_bytes) + data[at:]
    return data


@st.composite
def jsonl_file(draw: st.DrawFn) -> bytes:
    lines = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        keys = draw(st.lists(st.sampled_from(AMAZON_KEYS), max_size=len(AMAZON_KEYS)))
        row = {key: draw(json_values) for key in keys}
        if draw(st.booleans()):
            row.update({"user_id": "U1", "rating": draw(json_values), "parent_asin": "B00X"})
        line = json.dumps(row, ensure_ascii=draw(st.booleans())).encode()
        lines.append(draw(st.sampled_from([line, line[: len(line) // 2], b"", b"[1, 2]"])))
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), draw(hostile_bytes))
    return b"\n".join(lines)


def importer_for(kind: str, make_user: Any) -> Importer:
    options = {}
    if kind in ("goodreads", "storygraph"):
        from django.contrib.auth.models import User

        if not User.objects.filter(username="fuzzreader").exists():
            make_user("fuzzreader")
        options["user"] = "fuzzreader"
    return IMPORTERS[kind](**options)


def run_import(kind: str, data: bytes, make_user: Any, strict: bool) -> ImportReport | None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"fuzz.{'jsonl' if kind == 'amazon' else 'csv'}"
        path.write_bytes(data)
        importer = importer_for(kind, make_user)
        try:
            return importer.run(path, strict=strict)
        except StrictStop:
            assert strict, "StrictStop outside strict mode"
            return None
        except RowError as error:
            # A file-level refusal (e.g. not Amazon data at all): clean, with a reason.
            assert error.field and error.reason
            return None


def assert_every_row_accounted(report: ImportReport | None) -> None:
    if report is None:
        return
    outcomes = report.created + report.updated + report.unchanged + report.skipped
    assert outcomes + report.rejected == report.rows, report.summary()
    for rejection in report.rejections:
        assert rejection.reason and rejection.field and rejection.line != 0


@pytest.mark.parametrize("kind", CSV_KINDS)
@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_csv_importers_reject_hostile_files_cleanly(kind: str, strict: bool, make_user) -> None:
    headers = sorted(set(IMPORTERS[kind].columns.values()))

    @fuzz_settings()
    @given(data=st.one_of(csv_file(headers), hostile_bytes))
    def check(data: bytes) -> None:
        assert_every_row_accounted(run_import(kind, data, make_user, strict))

    check()


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_amazon_importer_rejects_hostile_json_lines_cleanly(strict: bool, make_user) -> None:
    @fuzz_settings()
    @given(data=st.one_of(jsonl_file(), hostile_bytes))
    def check(data: bytes) -> None:
        assert_every_row_accounted(run_import("amazon", data, make_user, strict))

    check()
