"""Command line and TOML config: which repositories the console can open."""

from __future__ import annotations

import argparse
import os
import shlex
import stat
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from core.deadline import DEFAULT_DEADLINE, Deadline
from core.errors import BackendError, InvalidArgumentError
from core.redact import redact_secrets

from .connection import Connection
from .release import DEFAULT_PROTECTED, ReleaseSettings, parse_protected

if TYPE_CHECKING:
    from core import Repository
    from core.demo_server import DemoServer

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
    deadline: Deadline = DEFAULT_DEADLINE
    configured: bool = False
    """Named in the config file: `--repo NAME` reaches it."""

    def describe(self) -> str:
        parts = [f"s3://{self.bucket}/{self.prefix}", self.table, self.region or "default region"]
        if self.profile:
            parts.append(f"profile {self.profile}")
        if self.endpoint_url:
            parts.append(redact_secrets(self.endpoint_url))
        return " · ".join(parts)


@dataclass(frozen=True)
class Config:
    """The parsed config file."""

    path: Path
    repositories: Mapping[str, RepositorySpec]
    default: str | None = None
    protected_aliases: tuple[str, ...] | None = None
    deadline: Mapping[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def config_path(env: Mapping[str, str]) -> Path:
    """$XDG_CONFIG_HOME/vrc/config.toml, else ~/.config/vrc/config.toml."""
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME") or Path.home()) / ".config")
    return Path(base) / "vrc" / "config.toml"


DEADLINE_KEYS = ("connect_timeout", "read_timeout", "max_attempts")
_DEADLINE_ENV = {
    "connect_timeout": "VRC_CONNECT_TIMEOUT",
    "read_timeout": "VRC_READ_TIMEOUT",
    "max_attempts": "VRC_MAX_ATTEMPTS",
}
_SPEC_KEYS = {field.name for field in fields(RepositorySpec)} - {"name", "deadline"}
_TOP_KEYS = {"default", "repositories", "protected_aliases", *DEADLINE_KEYS}


def load_config(path: Path) -> Config:
    """Read a config file; ConfigError names the file and the bad entry, in one line."""
    import tomllib  # only when there is a config file: the demo and flag-only starts need no parser

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"config file {path} is not usable: its arrays or tables are nested too deeply") from None
    from .config_schema import parse_config  # pydantic: only when there is a config file

    try:
        parsed = parse_config(data, spec_keys=_SPEC_KEYS, top_keys=_TOP_KEYS)
    except ValueError as exc:
        raise ConfigError(f"config file {path}: {exc}") from None
    except RecursionError:
        raise ConfigError(f"config file {path}: a value is nested too deeply") from None
    repositories: dict[str, RepositorySpec] = {}
    for name, entry in parsed.repositories.items():
        if name == DEMO_NAME:
            raise ConfigError(
                f"config file {path}, [repositories.{name}]: the name {DEMO_NAME!r} is reserved for the embedded demo"
            )
        repositories[name] = RepositorySpec(name=name, configured=True, **entry.model_dump())
    default = parsed.default
    if default is not None and default not in repositories:
        raise ConfigError(f"config file {path}: default = {default!r} is not one of: {_names(repositories)}")
    protected = parsed.protected_aliases
    if isinstance(protected, str):
        protected_aliases: tuple[str, ...] | None = parse_protected(protected)
    elif protected is not None:
        protected_aliases = tuple(item.strip() for item in protected if item.strip())
    else:
        protected_aliases = None
    return Config(
        path=path,
        repositories=repositories,
        default=default,
        protected_aliases=protected_aliases,
        deadline={key: value for key in DEADLINE_KEYS if (value := getattr(parsed, key)) is not None},
        warnings=_permission_warnings(path),
    )


def _permission_warnings(path: Path) -> tuple[str, ...]:
    """A config file others can write decides which endpoint (and credentials) the console uses."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return ()
    if mode & (stat.S_IWGRP | stat.S_IWOTH):
        return (f"config file {path} is writable by group or others; run: chmod go-w {shlex.quote(str(path))}",)
    return ()


def _names(repositories: Mapping[str, object]) -> str:
    return ", ".join(sorted(repositories)) or "(none configured)"


def package_version() -> str:
    """The installed distribution's version; "unknown" when running from a checkout that is not installed."""
    import importlib.metadata  # ~45 ms (email, zipfile, csv): only for --version, never before the first frame

    try:
        return importlib.metadata.version("versioned-release-console")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


class _VersionAction(argparse.Action):
    """argparse's "version" action, reading the version only when asked (importlib.metadata is slow to load)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"vrc {package_version()}")
        parser.exit()


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
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show program's version number and exit")
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
        "--demo", action="store_true", help="open the embedded demo repository (moto on 127.0.0.1, seeded data)"
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
    limits = parser.add_argument_group(
        "deadlines", f"every AWS call fails after at most this long (default: {DEFAULT_DEADLINE.describe()})"
    )
    limits.add_argument(
        "--connect-timeout", type=float, metavar="SECONDS", help="per attempt (default $VRC_CONNECT_TIMEOUT, 3)"
    )
    limits.add_argument(
        "--read-timeout", type=float, metavar="SECONDS", help="per attempt (default $VRC_READ_TIMEOUT, 10)"
    )
    limits.add_argument(
        "--max-attempts", type=int, metavar="N", help="attempts in all, 1..10 (default $VRC_MAX_ATTEMPTS, 3)"
    )
    return parser


@dataclass(frozen=True)
class Launch:
    """What the app opens first and what else it can switch to."""

    connections: tuple[Connection, ...]
    release: ReleaseSettings = field(default_factory=ReleaseSettings)
    deadline: Deadline = DEFAULT_DEADLINE
    warnings: tuple[str, ...] = ()
    config_path: Path | None = None  # the config file read (or that would be read); None: unknown

    @property
    def initial(self) -> Connection:
        return self.connections[0]


def resolve(
    argv: Sequence[str] | None = None,
    env: Mapping[str, str] | None = None,
    parser: argparse.ArgumentParser | None = None,
    *,
    start_demo: bool = True,
) -> Launch:
    """Parse the command line and config; ConfigError explains anything unusable.

    `start_demo`: when the demo opens first, start its server process now (the console: it seeds
    while Textual loads); otherwise it starts when the demo is opened.
    """
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

    deadline = _deadline(args, env, config)
    specs = [replace(with_environment(spec, env), deadline=deadline) for spec in config.repositories.values()]
    if chosen is not None:
        chosen = with_environment(replace(chosen, deadline=deadline, **overrides), env)
        specs = [chosen] + [spec for spec in specs if spec.name != chosen.name]
    if args.read_only:  # the whole session: repositories reached with `c` too
        specs = [replace(spec, read_only=True) for spec in specs]
    # The demo opened first starts now, in its own process, while the console loads (core.demo_server).
    demo = demo_connection(read_only=args.read_only, start_now=start_demo and chosen is None)
    connections = [repository_connection(spec) for spec in specs]
    connections.insert(0 if chosen is None else len(connections), demo)
    if args.protect is not None:
        protected = parse_protected(args.protect)
    elif config.protected_aliases is not None:
        protected = config.protected_aliases
    else:
        protected = DEFAULT_PROTECTED
    return Launch(
        connections=tuple(connections),
        release=ReleaseSettings(protected=protected),
        deadline=deadline,
        warnings=config.warnings,
        config_path=path,
    )


def _deadline(args: argparse.Namespace, env: Mapping[str, str], config: Config) -> Deadline:
    """The command line, then VRC_* variables, then the config file, then core's defaults."""
    values: dict[str, Any] = {}
    for key in DEADLINE_KEYS:
        flag = getattr(args, key)
        variable = _DEADLINE_ENV[key]
        if flag is not None:
            values[key] = flag
        elif env.get(variable):
            try:
                values[key] = int(env[variable]) if key == "max_attempts" else float(env[variable])
            except ValueError:
                raise ConfigError(f"{variable}={env[variable]!r} is not a number") from None
        elif key in config.deadline:
            values[key] = config.deadline[key]
    try:
        return Deadline(
            connect_timeout=values.get("connect_timeout", DEFAULT_DEADLINE.connect_timeout),
            read_timeout=values.get("read_timeout", DEFAULT_DEADLINE.read_timeout),
            attempts=values.get("max_attempts", DEFAULT_DEADLINE.attempts),
        )
    except InvalidArgumentError as exc:
        raise ConfigError(str(exc).replace("attempts must", "max_attempts must")) from None


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
        cli_args=cli_options(spec),
    )


def cli_options(spec: RepositorySpec) -> tuple[str, ...]:
    """The options before a `vrc COMMAND` that reach `spec`: its config name, or where it is."""
    if spec.configured:
        return ("--repo", spec.name)
    words = ["--bucket", spec.bucket]
    if spec.prefix != DEFAULT_PREFIX:
        words += ["--prefix", spec.prefix]
    if spec.table != DEFAULT_TABLE:
        words += ["--table", spec.table]
    for option, value in (
        ("--region", spec.region),
        ("--profile", spec.profile),
        ("--endpoint-url", spec.endpoint_url),
    ):
        if value:
            words += [option, redact_secrets(value)]  # never put credentials on the screen
    return tuple(words)


def demo_connection(read_only: bool = False, start_now: bool = False) -> Connection:
    """The embedded demo: moto in a child process on 127.0.0.1, started now or when first opened."""
    server = _demo_server()
    if start_now:
        try:
            server()
        except BackendError:
            pass  # opening the connection tries again and shows why it cannot start
    return Connection(
        name=DEMO_NAME,
        description="embedded demo repository (moto on 127.0.0.1, seeded data)",
        open=_once(lambda: server().repository(read_only=read_only)),
        demo=True,
        read_only=read_only,
        cli_args=("--demo",),
    )


def _demo_server() -> Callable[[], DemoServer]:
    """The demo's server process: spawned on the first call, and again after it failed (R retries)."""
    lock = threading.Lock()
    current: list[DemoServer] = []

    def server() -> DemoServer:
        with lock:
            if not current or current[0].failed:
                current[:] = [spawn_demo_server()]
            return current[0]

    return server


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
        deadline=spec.deadline,
    )


def spawn_demo_server() -> DemoServer:
    """Start the demo's server process (a fork and exec; nothing heavy is imported here)."""
    from core.demo_server import spawn

    return spawn()


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
