"""An operator importing a hostile or broken file: bounded memory, and a refusal that
names the file and the line (IMPORT_MAX_LINE_BYTES, IMPORT_MAX_DECOMPRESSED_BYTES)."""

import gzip
import tracemalloc
import zlib
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from candor.reviews.models import Order, Review

pytestmark = pytest.mark.django_db

MIB = 1 << 20
HEADER = b"user,isbn,ordered_at,source\n"


def gzip_member(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9)


def one_gib_line_orders(path: Path, row: bytes) -> Path:
    """A CSV of orders whose second line is 1 GiB of "a" with no line end in it, then
    one good row: about a megabyte of gzip (a member compressed once, repeated; a gzip
    file may hold several members, read one after another as one stream)."""
    stuffing = gzip_member(b"a" * (16 * MIB))
    with path.open("wb") as out:
        out.write(gzip_member(HEADER))
        for _ in range(64):
            out.write(stuffing)
        out.write(gzip_member(b"\n" + row))
    return path


def peak_traced_bytes(run) -> int:  # type: ignore[no-untyped-def]
    """The most memory Python held at once while run() ran (every bytes object counts)."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_gzip_expanding_to_a_gib_long_line_is_rejected_in_bounded_memory(
    book, owner, tmp_path, capsys
) -> None:
    row = f"{owner.username},{book.isbn13},2024-01-02,shop\n".encode()
    path = one_gib_line_orders(tmp_path / "orders.csv.gz", row)
    assert path.stat().st_size < 4 * MIB

    peak = peak_traced_bytes(lambda: call_command("import", "orders", str(path)))

    out, err = capsys.readouterr()
    assert peak < 64 * MIB, f"{peak / MIB:.0f} MiB held at once"
    assert f"{path}:2: line: longer than {MIB} bytes (IMPORT_MAX_LINE_BYTES): skipped" in err
    # The row after the long line is read as usual.
    assert "2 rows read: 1 created" in out
    assert Order.objects.filter(user=owner, book=book).count() == 1


def test_a_long_jsonl_line_rejects_only_itself(files, tmp_path, capsys, settings) -> None:
    settings.IMPORT_MAX_LINE_BYTES = 4096
    call_command("import", "amazon", str(files["items"]))
    first, second, *_ = files["reviews"].read_bytes().splitlines(keepends=True)
    long_review = b'{"rating": 5.0, "text": "' + b"x" * 10_000 + b'"}\n'
    path = tmp_path / "reviews.jsonl"
    path.write_bytes(first + long_review + second)
    capsys.readouterr()

    call_command("import", "amazon", str(path))

    out, err = capsys.readouterr()
    assert f"{path}:2: line: longer than 4096 bytes (IMPORT_MAX_LINE_BYTES): skipped" in err
    assert "3 rows read: 2 created" in out
    assert Review.objects.count() == 2


def orders_gzip(path: Path, owner, book, rows: int) -> Path:  # type: ignore[no-untyped-def]
    """A gzip of `rows` distinct, valid orders (one per day from 2001 on), one a line."""
    lines = [HEADER] + [
        f"{owner.username},{book.isbn13},{2001 + day // 365}-01-01,shop-{day}\n".encode()
        for day in range(rows)
    ]
    path.write_bytes(gzip.compress(b"".join(lines)))
    return path


def test_reading_stops_at_the_decompressed_size_limit_with_file_and_line(
    book, owner, tmp_path, capsys, settings
) -> None:
    settings.IMPORT_MAX_DECOMPRESSED_BYTES = 10_000
    path = orders_gzip(tmp_path / "orders.csv.gz", owner, book, rows=600)
    line_bytes = len(f"{owner.username},{book.isbn13},2001-01-01,shop-100\n")
    expected_line = 10_000 // line_bytes + 2  # about where 10,000 bytes are passed

    with pytest.raises(CommandError) as refused:
        call_command("import", "orders", str(path))

    message = str(refused.value)
    assert message.startswith(f"{path}:")
    stopped_at = int(message.split(":")[1])
    assert abs(stopped_at - expected_line) <= 3
    assert "over the limit of 10000 bytes (IMPORT_MAX_DECOMPRESSED_BYTES)" in message
    # The good rows read before the limit are kept; nothing after it was read.
    assert Order.objects.count() == stopped_at - 2
    out, _ = capsys.readouterr()
    assert f"reading stopped at line {stopped_at}" in out


def test_strict_import_over_the_limit_saves_nothing(book, owner, tmp_path, settings) -> None:
    settings.IMPORT_MAX_DECOMPRESSED_BYTES = 10_000
    path = orders_gzip(tmp_path / "orders.csv.gz", owner, book, rows=600)
    with pytest.raises(CommandError, match=r"orders.csv.gz:\d+: file: .* \(strict"):
        call_command("import", "orders", str(path), "--strict")
    assert not Order.objects.exists()


def test_a_plain_file_over_the_limit_is_refused_before_any_row(
    book, owner, tmp_path, settings
) -> None:
    settings.IMPORT_MAX_DECOMPRESSED_BYTES = 10_000
    packed = orders_gzip(tmp_path / "orders.csv.gz", owner, book, rows=600)
    path = tmp_path / "orders.csv"
    path.write_bytes(zlib.decompress(packed.read_bytes(), wbits=31))
    size = path.stat().st_size
    with pytest.raises(CommandError) as refused:
        call_command("import", "orders", str(path))
    assert str(refused.value) == (
        f"{path}:1: header: {size} bytes of text in the file, over the limit of 10000 bytes "
        "(IMPORT_MAX_DECOMPRESSED_BYTES): nothing from this line on was read"
    )
    assert not Order.objects.exists()
