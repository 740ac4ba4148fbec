"""axe-core, the accessibility engine, fetched from the npm registry at test time.

axe-core is MPL-licensed and not kept in this repository: the first run packs the pinned
release with npm, checks it against the registry's published digest, and keeps its
axe.min.js under var/test-tools/ (ignored by git) for later runs.
"""

import base64
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

import pytest

VERSION = "4.14.1"
# The sha512 the npm registry publishes for axe-core-4.14.1.tgz (`npm view axe-core@4.14.1
# dist.integrity`): the tarball must be exactly that release.
INTEGRITY = (
    "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASy"
    "FNNtuFooJpZe37OgudVGtQ=="
)
REPO = Path(__file__).resolve().parents[2]
CACHED = REPO / "var" / "test-tools" / f"axe-core-{VERSION}.min.js"


def ensure_npm() -> str:
    """npm, installed from Debian's packages when missing (as root, as CI runs)."""
    npm = shutil.which("npm")
    if npm is None and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "npm"], check=True, env=env)
        npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: install Node.js and npm to fetch axe-core for this test")
    return npm


def integrity_of(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def fetch() -> None:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [ensure_npm(), "pack", f"axe-core@{VERSION}", "--pack-destination", folder],
            check=True,
            capture_output=True,
            timeout=300,
        )
        tarball = Path(folder) / f"axe-core-{VERSION}.tgz"
        if integrity_of(tarball) != INTEGRITY:
            pytest.fail(f"{tarball.name} does not match the registry's published sha512")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/axe.min.js")
            assert member is not None
            CACHED.parent.mkdir(parents=True, exist_ok=True)
            partial = CACHED.with_suffix(".partial")
            partial.write_bytes(member.read())
            partial.replace(CACHED)


def axe_source() -> str:
    if not CACHED.exists():
        fetch()
    return CACHED.read_text()
