"""boto3 sessions whose botocore data loader reads the services core calls faster.

botocore's loader pays two costs on a session's first S3 client, about a third of building it:
it lists every service directory it knows (about 400) to check that "s3" is one of them, and it
decodes each JSON file into OrderedDicts. `FastLoader` checks the one directory asked for and
decodes into dicts (ordered too, since Python 3.7). It reads the same files from the same search
paths (AWS_DATA_PATH, ~/.aws/models, botocore's own data); the full list of services is still
there for whoever reads it.
"""

from __future__ import annotations

import gzip
import json
import os
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, overload

from botocore.exceptions import DataNotFoundError
from botocore.loaders import JSONFileLoader, Loader

if TYPE_CHECKING:
    import boto3

_OPENERS: tuple[tuple[str, Any], ...] = ((".json", open), (".json.gz", gzip.open))


class DictJSONFileLoader(JSONFileLoader):
    """botocore's JSON file loader, decoding into dicts rather than OrderedDicts (twice as fast)."""

    def load_file(self, file_path: str) -> Any:
        for ext, opener in _OPENERS:
            path = file_path + ext
            if os.path.isfile(path):
                with opener(path, "rb") as fp:
                    return json.loads(fp.read().decode("utf-8"))
        return super().load_file(file_path)  # a format botocore may add later, read its way


class FastLoader(Loader):
    """A botocore Loader that checks a service exists by its own directory, not by listing them all."""

    FILE_LOADER_CLASS = DictJSONFileLoader

    def list_available_services(self, type_name: str) -> Sequence[str]:
        return _ServiceNames(self, type_name)


class _ServiceNames(Sequence[str]):
    """The services `loader` has a `type_name` model for: botocore's full listing, made only when the
    names are read; `name in` checks only that service's directory (what loading a model asks)."""

    def __init__(self, loader: FastLoader, type_name: str) -> None:
        self._loader = loader
        self._type_name = type_name

    def __contains__(self, name: object) -> bool:
        if not isinstance(name, str):
            return False
        try:
            self._loader.list_api_versions(name, self._type_name)
        except DataNotFoundError:
            return False
        return True

    @cached_property
    def _names(self) -> list[str]:
        return list(Loader.list_available_services(self._loader, self._type_name))

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...
    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return self._names[index]

    def __len__(self) -> int:
        return len(self._names)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and self._names == list(other)

    __hash__ = None  # type: ignore[assignment]  # a list is not hashable either

    def __repr__(self) -> str:
        return repr(self._names)


def new_session(**kwargs: Any) -> boto3.Session:
    """`boto3.Session(**kwargs)` whose data loader is a FastLoader (AWS_DATA_PATH and `data_path` apply)."""
    import boto3
    import botocore.session

    botocore_session = botocore.session.get_session()

    def make_loader() -> FastLoader:
        # As botocore's create_loader does; evaluated once the profile is set, as botocore's own is.
        setting = botocore_session.get_config_variable("data_path")
        paths = [os.path.expanduser(os.path.expandvars(p)) for p in setting.split(os.pathsep)] if setting else None
        return FastLoader(extra_search_paths=paths)

    botocore_session.lazy_register_component("data_loader", make_loader)
    return boto3.Session(botocore_session=botocore_session, **kwargs)
