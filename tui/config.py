"""Command line and TOML config: which repositories the console can open."""

from __future__ import annotations

import argparse
import os
import threading
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .connection import Connection
from .release import DEFAULT_PROTECTED, ReleaseSettings, parse_protected

if TYPE_CHECKING:
    from core import Repository

DEFAULT_PREFIX = "versioned-artifacts"
DEFAULT_TABLE = "versioned-artifacts"
DEMO_NAME = "demo"

T = TypeVar("T")


class ConfigError(Exception):
    """The command line or config file cannot be used; the message says what to fix."""


@dataclass(frozen=True)
class RepositorySpec:
    """Where a real repository lives; None fields fall back to the AWS environment."""

    name: str
    bucket: str
    prefix: str = DEFAULT_PREFIX
    table: str = DEFAULT_TABLE
    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    read_only: bool = False

    def describe(self) -> str:
        parts = [f"s3://{self.bucket}/{self.prefix}", self.table, self.region or "default region"]
        if self.profile:
            parts.append(f"profile {self.profile}")
        if self.endpoint_url:
            parts.append(self.endpoint_url)
        return " · ".join(parts)


@dataclass(frozen=True)
class Config:
    """The parsed config file."""

    path: Path
    repositories: Mapping[str, RepositorySpec]
    default: str | None = None
    protected_aliases: tuple[str, ...] | None = None


def config_path(env: Mapping[str, str]) -> Path:
    """$XDG_CONFIG_HOME/vrc/config.toml, else ~/.config/vrc/config.toml."""
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "vrc" / "config.toml"


_SPEC_KEYS = {field.name for field in fields(RepositorySpec)} - {"name"}
_STRING_KEYS = _SPEC_KEYS - {"read_only"}


def load_config(path: Path) -> Config:
    """Read a config file; ConfigError names the file and the bad entry."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    unknown = set(data) - {"default", "repositories", "protected_aliases"}
    if unknown:
        raise ConfigError(
            f"config file {path}: unknown top-level key(s) {', '.join(sorted(unknown))}; "
            "expected 'default', 'protected_aliases' and [repositories.NAME] tables"
        )
    entries = data.get("repositories", {})
    if not isinstance(entries, dict):
        raise ConfigError(f"config file {path}: 'repositories' must be a table of [repositories.NAME]")
    repositories = {name: _spec(path, name, entry) for name, entry in entries.items()}
    default = data.get("default")
    if default is not None and default not in repositories:
        raise ConfigError(f"config file {path}: default = {default!r} is not one of: {_names(repositories)}")
    return Config(
        path=path,
        repositories=repositories,
        default=default,
        protected_aliases=_protected(path, data.get("protected_aliases")),
    )


def _protected(path: Path, value: object) -> tuple[str, ...] | None:
    """protected_aliases = ["prod*", "live"] (or one string); [] protects nothing."""
    if value is None:
        return None
    if isinstance(value, str):
        return parse_protected(value)
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return tuple(item.strip() for item in value if item.strip())
    raise ConfigError(
        f'config file {path}: protected_aliases must be a list of alias patterns like ["prod*"], got {value!r}'
    )


def _spec(path: Path, name: str, entry: object) -> RepositorySpec:
    where = f"config file {path}, [repositories.{name}]"
    if name == DEMO_NAME:
        raise ConfigError(f"{where}: the name {DEMO_NAME!r} is reserved for the embedded demo")
    if not isinstance(entry, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = set(entry) - _SPEC_KEYS
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_SPEC_KEYS))}"
        )
    for key in _STRING_KEYS & set(entry):
        if not isinstance(entry[key], str) or not entry[key]:
            raise ConfigError(f"{where}: {key} must be a non-empty string, got {entry[key]!r}")
    if "read_only" in entry and not isinstance(entry["read_only"], bool):
        raise ConfigError(f"{where}: read_only must be true or false, got {entry['read_only']!r}")
    if "bucket" not in entry:
        raise ConfigError(f"{where}: 'bucket' is required")
    return RepositorySpec(name=name, **entry)


def _names(repositories: Mapping[str, object]) -> str:
    return ", ".join(sorted(repositories)) or "(none configured)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vrc",
        description=(
            "Keyboard-driven release console for versioned artifacts in S3 + DynamoDB. "
            "Without a repository it opens an embedded demo."
        ),
        epilog=(
            "Config file: $XDG_CONFIG_HOME/vrc/config.toml (default ~/.config/vrc/config.toml) "
            "with [repositories.NAME] tables holding bucket, prefix, table, region, profile, "
            'endpoint_url, read_only, and optional top-level default = "NAME" and '
            'protected_aliases = ["prod*"].'
        ),
    )
    where = parser.add_argument_group("repository")
    where.add_argument("--repo", metavar="NAME", help="open the named repository from the config file")
    where.add_argument("--bucket", help="S3 bucket of the repository")
    where.add_argument("--prefix", help=f"S3 key prefix (default {DEFAULT_PREFIX})")
    where.add_argument("--table", help=f"DynamoDB table (default {DEFAULT_TABLE})")
    where.add_argument("--region", help="AWS region (default $AWS_REGION, $AWS_DEFAULT_REGION, profile)")
    where.add_argument("--profile", help="AWS profile (default $AWS_PROFILE)")
    where.add_argument(
        "--endpoint-url", help="S3/DynamoDB endpoint, e.g. a local moto server (default $AWS_ENDPOINT_URL)"
    )
    where.add_argument(
        "--demo", action="store_true", help="open the embedded demo repository (in-process moto, seeded data)"
    )
    parser.add_argument("--read-only", action="store_true", help="disable uploads, deletes and alias changes")
    parser.add_argument(
        "--protect",
        metavar="PATTERNS",
        help="comma-separated alias patterns whose changes need the alias name typed "
        f"to confirm (default {','.join(DEFAULT_PROTECTED)}; '' protects none)",
    )
    parser.add_argument(
        "--config", type=Path, metavar="PATH", help="config file to read instead of the default location"
    )
    return parser


@dataclass(frozen=True)
class Launch:
    """What the app opens first and what else it can switch to."""

    connections: tuple[Connection, ...]
    release: ReleaseSettings = field(default_factory=ReleaseSettings)

    @property
    def initial(self) -> Connection:
        return self.connections[0]


def resolve(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    parser: argparse.ArgumentParser | None = None,
) -> Launch:
    """Parse the command line and config; ConfigError explains anything unusable."""
    env = os.environ if env is None else env
    args = (parser or build_parser()).parse_args(argv)
    overrides = {
        key: value
        for key, value in {
            "prefix": args.prefix,
            "table": args.table,
            "region": args.region,
            "profile": args.profile,
            "endpoint_url": args.endpoint_url,
        }.items()
        if value is not None
    }
    if args.demo and (args.repo or args.bucket or overrides):
        raise ConfigError("--demo cannot be combined with --repo, --bucket or other repository options")
    if args.repo and args.bucket:
        raise ConfigError("pass either --repo NAME or --bucket, not both")

    explicit_config = args.config is not None
    path = args.config if explicit_config else config_path(env)
    if explicit_config or args.repo or path.exists():
        config = load_config(path)
    else:
        config = Config(path=path, repositories={})

    chosen: RepositorySpec | None
    if args.demo:
        chosen = None
    elif args.bucket:
        chosen = RepositorySpec(name=args.bucket, bucket=args.bucket)
    elif args.repo:
        if args.repo not in config.repositories:
            raise ConfigError(
                f"no repository named {args.repo!r} in {config.path}; configured: {_names(config.repositories)}"
            )
        chosen = config.repositories[args.repo]
    elif config.default:
        chosen = config.repositories[config.default]
    else:
        chosen = None
    if chosen is None and overrides:
        raise ConfigError(
            f"--{next(iter(overrides)).replace('_', '-')} needs a repository: pass --bucket or --repo NAME"
        )

    specs = [with_environment(spec, env) for spec in config.repositories.values()]
    if chosen is not None:
        chosen = with_environment(replace(chosen, **overrides), env)
        specs = [chosen] + [spec for spec in specs if spec.name != chosen.name]
    if args.read_only:  # the whole session: repositories reached with `c` too
        specs = [replace(spec, read_only=True) for spec in specs]
    demo = demo_connection(read_only=args.read_only)
    connections = [repository_connection(spec) for spec in specs]
    connections.insert(0 if chosen is None else len(connections), demo)
    if args.protect is not None:
        protected = parse_protected(args.protect)
    elif config.protected_aliases is not None:
        protected = config.protected_aliases
    else:
        protected = DEFAULT_PROTECTED
    return Launch(connections=tuple(connections), release=ReleaseSettings(protected=protected))


def with_environment(spec: RepositorySpec, env: Mapping[str, str]) -> RepositorySpec:
    """Fill region, profile and endpoint from AWS_* variables where the spec leaves them open."""
    return replace(
        spec,
        region=spec.region or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        profile=spec.profile or env.get("AWS_PROFILE") or None,
        endpoint_url=spec.endpoint_url or env.get("AWS_ENDPOINT_URL") or None,
    )


def repository_connection(spec: RepositorySpec) -> Connection:
    return Connection(
        name=spec.name,
        description=spec.describe(),
        open=_once(lambda: open_repository(spec)),
        read_only=spec.read_only,
    )


def demo_connection(read_only: bool = False) -> Connection:
    return Connection(
        name=DEMO_NAME,
        description="embedded demo repository (in-process moto, seeded data)",
        open=_once(lambda: open_demo(read_only=read_only)),
        demo=True,
        read_only=read_only,
    )


def open_repository(spec: RepositorySpec) -> Repository:
    """Connect to a real repository; runs in a worker (imports boto3 through core)."""
    import core

    return core.connect(
        region=spec.region,
        bucket=spec.bucket,
        prefix=spec.prefix,
        table=spec.table,
        profile=spec.profile,
        endpoint_url=spec.endpoint_url,
        read_only=spec.read_only,
    )


def open_demo(read_only: bool = False) -> Repository:
    """Start the embedded demo; runs in a worker (imports moto through core.demo)."""
    from core.demo import start_demo

    return start_demo(read_only=read_only)


def _once(factory: Callable[[], T]) -> Callable[[], T]:
    """Call `factory` at most once (successfully); later calls return the same object."""
    lock = threading.Lock()
    result: list[T] = []

    def call() -> T:
        with lock:
            if not result:
                result.append(factory())
            return result[0]

    return call
