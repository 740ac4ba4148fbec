"""Importers handed hostile files (invalid UTF-8, null bytes, binary, huge fields) fail cleanly.

Each import either loads what is readable and reports the rest by file and line, or stops with
one clear error (a CommandError, exit code 1 from `candor import`); never a traceback.
"""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from candor.importers import IMPORTERS
from tests.security.hostile_inputs import HOSTILE_FILES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", sorted(IMPORTERS))
def test_operator_importing_hostile_files_gets_clear_errors(kind, tmp_path: Path, owner) -> None:
    for hostile in HOSTILE_FILES:
        path = tmp_path / hostile.name
        path.write_bytes(hostile.content)
        out, err = StringIO(), StringIO()
        try:
            call_command("import", kind, str(path), user="owner", stdout=out, stderr=err)
        except CommandError as error:
            message = str(error)
            assert message.strip() and "Traceback" not in message, (hostile.name, message)
        else:
            # Imported: a summary, and every rejected row reported with its file and line.
            assert "rows read" in out.getvalue(), (hostile.name, out.getvalue())
        for line in err.getvalue().splitlines():
            assert line.startswith(("rejected ", "... and")), (hostile.name, line)


def test_staff_importing_a_folder_of_hostile_essay_files_gets_reasons(tmp_path: Path) -> None:
    for hostile in HOSTILE_FILES:
        for suffix in (".md", ".html"):
            (tmp_path / f"{Path(hostile.name).stem}{suffix}").write_bytes(hostile.content)
    out, err = StringIO(), StringIO()
    call_command("essays", "import", str(tmp_path), stdout=out, stderr=err)
    rejected = err.getvalue().splitlines()
    # Not one of these files is an essay with front matter: each is named with a reason.
    assert len(rejected) == 2 * len(HOSTILE_FILES), err.getvalue()
    for line in rejected:
        name, _, reason = line.partition(": ")
        assert name.endswith((".md", ".html")) and reason.strip(), line
    assert "Traceback" not in out.getvalue() + err.getvalue()


def test_operator_restoring_a_hostile_backup_gets_one_clear_error(tmp_path: Path) -> None:
    for hostile in HOSTILE_FILES:
        path = tmp_path / f"{Path(hostile.name).stem}.jsonl"
        path.write_bytes(hostile.content)
        with pytest.raises(CommandError) as error:
            call_command("restore", str(path), stdout=StringIO())
        assert str(error.value).strip(), hostile.name
