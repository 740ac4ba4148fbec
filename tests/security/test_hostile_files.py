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
