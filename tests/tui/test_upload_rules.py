"""The upload dialog's field checks (pure: no app, no repository)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.errors import InvalidNameError
from tui.modals.upload import validate_upload


def test_a_listed_name_versioned_created_can_be_uploaded_to_and_a_new_one_follows_the_rules(tmp_path: Path) -> None:
    file = tmp_path / "a.bin"
    file.write_bytes(b"x")
    assert validate_upload("_build", str(file), "", "", known={"_build"}).name == "_build"
    with pytest.raises(InvalidNameError, match="'_build'"):
        validate_upload("_build", str(file), "", "", known={"other"})
    with pytest.raises(InvalidNameError, match="cannot be an S3 key segment"):
        validate_upload("a/b", str(file), "", "", known={"a/b"})  # listed or not, it breaks the key layout
