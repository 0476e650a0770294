"""What must hold in a repository after any run, faults or not, checked from the raw stores.

`find_violations(repo, endpoint_url=...)` reads the table and the bucket directly (no proxy, no
core code in the way) and returns every broken invariant:

- ``visible_without_bytes``: a visible version (LATEST or numbered) has no S3 object.
- ``wrong_bytes``: a visible numbered version's bytes do not hash to its recorded sha256.
- ``duplicate_version``: a version number is listed twice.
- ``dangling_alias``: an alias points at a version that is missing, deleted or unpublished.
- ``broken_history``: an alias's events do not form an unbroken chain revision 1..n, each event's
  ``before`` equal to the previous event's ``after``, the last ``after`` equal to the alias now.
- ``check_missed``: a leftover (below) that ``check()`` does not report.
- ``unrepaired``: with ``repair=True``, a problem ``check()`` still reports after `repair()`.

Leftovers are states a fault may legitimately leave, which ``check()`` must report:
``missing_object``, ``latest_mismatch`` (LATEST's object is not what its item says),
``sha256_mismatch``, ``orphan_object`` (an object with no item), ``abandoned_publish`` (a claim
never revealed or retired) and ``dangling_alias``.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from faults import direct_clients, new_session, settings_of

from core import Repository, VrcError
from core.layout import FENCE_PK


@dataclass(frozen=True)
class Violation:
    kind: str
    name: str
    detail: str


@dataclass(frozen=True)
class Leftover:
    kind: str
    name: str
    version: str | None


# Problems that need no repair: an invisible claim burns its number and harms nothing.
BENIGN = frozenset({"abandoned_publish"})


def _version(sk: str) -> str:
    return sk.lstrip("0") or "0"


def _visible(item: dict[str, Any]) -> bool:
    return not item.get("is_deleted", {}).get("BOOL", False) and "publish_state" not in item


class RawState:
    """Every item of the table and every object under the repository's prefix, read directly."""

    def __init__(self, repo: Repository, endpoint_url: str | None) -> None:
        self.s3, self.dynamodb = direct_clients(endpoint_url, repo.aws_region)
        self.bucket = repo.s3_bucket
        self.prefix = repo.s3_prefix.strip("/") + "/" if repo.s3_prefix.strip("/") else ""
        self.suffix = repo.suffix
        self.versions: dict[str, dict[str, dict[str, Any]]] = {}  # name -> sk -> item
        self.aliases: dict[str, dict[str, dict[str, Any]]] = {}  # name -> alias -> item
        self.history: dict[str, dict[str, list[dict[str, Any]]]] = {}  # name -> alias -> events
        self.objects: dict[str, set[str]] = {}  # name -> object keys
        self.fences: dict[str, dict[str, Any]] = {}  # name -> purge fence item
        for item in self._scan(repo.dynamodb_table_name):
            pk, sk = item["pk"]["S"], item["sk"]["S"]
            if pk == FENCE_PK:
                self.fences[sk] = item  # core's purge fences (core._fence): not an artifact
            elif pk.startswith("__") and pk.endswith("-alias") and "version" in item:
                self.aliases.setdefault(pk[2 : -len("-alias")], {})[sk] = item
            elif pk.startswith("__") and pk.endswith("-history"):
                self.history.setdefault(pk[2 : -len("-history")], {}).setdefault(item["alias"]["S"], []).append(item)
            else:
                self.versions.setdefault(pk, {})[sk] = item
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix):
            for obj in page.get("Contents", []):
                name = obj["Key"][len(self.prefix) :].split("/", 1)[0]
                self.objects.setdefault(name, set()).add(obj["Key"])

    def _scan(self, table: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for page in self.dynamodb.get_paginator("scan").paginate(TableName=table, ConsistentRead=True):
            found.extend(page.get("Items", []))
        return found

    def key(self, name: str, sk: str) -> str:
        return f"{self.prefix}{name}/{sk}{self.suffix}"

    def head_sha(self, key: str) -> str | None:
        return self.s3.head_object(Bucket=self.bucket, Key=key).get("Metadata", {}).get("artifact_sha256")

    def body_sha(self, key: str) -> str:
        return hashlib.sha256(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()).hexdigest()

    @property
    def names(self) -> set[str]:
        return set(self.versions) | set(self.objects) | set(self.aliases)


def _config(item: dict[str, Any] | None, *, stored: bool) -> tuple[str, str | None, int | None] | None:
    """(version, secondary, weight) of an alias item (stored=True) or an event's before/after map."""
    if item is None:
        return None
    if not stored:
        if "M" not in item:
            return None
        item = item["M"]
    secondary = item.get("secondary_version", {}).get("S")
    weight = item.get("secondary_version_weight", {}).get("N")
    return (
        _version(item["version"]["S"]),
        None if secondary is None else _version(secondary),
        None if weight is None or secondary is None else int(weight),
    )


def leftovers(raw: RawState) -> list[Leftover]:
    """What a fault may leave behind and check() must report."""
    found: list[Leftover] = []
    for name in sorted(raw.names):
        objects = set(raw.objects.get(name, set()))
        for sk, item in raw.versions.get(name, {}).items():
            key = raw.key(name, sk)
            has_object = key in objects
            objects.discard(key)
            if item.get("publish_state", {}).get("S") == "pending":
                found.append(Leftover("abandoned_publish", name, _version(sk)))
                continue
            if not _visible(item):
                continue
            if not has_object:
                found.append(Leftover("missing_object", name, _version(sk)))
            elif raw.head_sha(key) != item.get("sha256", {}).get("S"):
                kind = "latest_mismatch" if sk == "LATEST" else "sha256_mismatch"
                found.append(Leftover(kind, name, _version(sk)))
        found.extend(Leftover("orphan_object", name, None) for _ in sorted(objects))
        for item in raw.aliases.get(name, {}).values():
            config = _config(item, stored=True)
            assert config is not None
            for version in filter(None, config[:2]):
                target = raw.versions.get(name, {}).get(version.zfill(6))
                if target is None or not _visible(target):
                    found.append(Leftover("dangling_alias", name, version))
    return found


def find_violations(
    repo: Repository,
    *,
    endpoint_url: str | None,
    repair: bool = False,
    raw: RawState | None = None,
) -> list[Violation]:
    """Every broken invariant of the repository `repo` points at, read through `endpoint_url` (direct)."""
    raw = raw or RawState(repo, endpoint_url)
    violations: list[Violation] = []
    for name in sorted(raw.names):
        objects = raw.objects.get(name, set())
        versions = raw.versions.get(name, {})
        for sk, item in sorted(versions.items()):
            if not _visible(item):
                continue
            key = raw.key(name, sk)
            if key not in objects:
                violations.append(Violation("visible_without_bytes", name, f"version {_version(sk)}: no object {key}"))
            elif sk != "LATEST" and raw.body_sha(key) != item.get("sha256", {}).get("S"):
                violations.append(Violation("wrong_bytes", name, f"version {_version(sk)}: bytes differ from sha256"))
        for alias, item in raw.aliases.get(name, {}).items():
            config = _config(item, stored=True)
            assert config is not None
            for version in filter(None, config[:2]):
                target = versions.get(version.zfill(6))
                if target is None or not _visible(target):
                    state = "missing" if target is None else "not visible"
                    violations.append(Violation("dangling_alias", name, f"alias {alias} -> {version} ({state})"))
        for alias in sorted(set(raw.history.get(name, {})) | set(raw.aliases.get(name, {}))):
            violations.extend(_history_violations(raw, name, alias))
    clean = _direct_repo(repo, endpoint_url)
    for name in sorted(n for n in raw.versions if not n.startswith("__")):
        try:
            listed = [a.version for a in clean.list_artifact_versions(name)]
        except VrcError as exc:
            violations.append(Violation("duplicate_version", name, f"cannot list versions: {exc}"))
            continue
        for version, count in Counter(listed).items():
            if count > 1:
                violations.append(Violation("duplicate_version", name, f"version {version} listed {count} times"))
    problems = clean.check()
    reported = {(p.kind, p.name, p.version) for p in problems} | {(p.kind, p.name, None) for p in problems}
    for left in leftovers(raw):
        if (left.kind, left.name, left.version) not in reported:
            violations.append(Violation("check_missed", left.name, f"{left.kind} version {left.version}"))
    if repair:
        remaining = [p for p in repair_problems(repo, endpoint_url, raw) if p.kind not in BENIGN]
        violations.extend(Violation("unrepaired", p.name, f"{p.kind}: {p.detail}") for p in remaining)
    return violations


def _history_violations(raw: RawState, name: str, alias: str) -> list[Violation]:
    events = sorted(raw.history.get(name, {}).get(alias, []), key=lambda e: int(e["revision"]["N"]))
    current = raw.aliases.get(name, {}).get(alias)
    now = _config(current, stored=True)
    bad: list[Violation] = []
    revisions = [int(e["revision"]["N"]) for e in events]
    if revisions != list(range(1, len(events) + 1)):
        bad.append(Violation("broken_history", name, f"alias {alias}: revisions {revisions} are not 1..n"))
    previous = None
    for event in events:
        before = _config(event.get("before"), stored=False)
        if before != previous:
            bad.append(
                Violation(
                    "broken_history",
                    name,
                    f"alias {alias} revision {event['revision']['N']}: before {before} != previous after {previous}",
                )
            )
        previous = _config(event.get("after"), stored=False)
    if previous != now:
        bad.append(Violation("broken_history", name, f"alias {alias}: last event's after {previous} != alias {now}"))
    if current is not None and int(current.get("revision", {}).get("N", "0")) != (revisions[-1] if revisions else 0):
        bad.append(Violation("broken_history", name, f"alias {alias}: revision differs from its last event"))
    return bad


def _direct_repo(repo: Repository, endpoint_url: str | None, *, ahead: bool = True) -> Repository:
    """The same repository reached without the proxy; with `ahead` its clock is a day ahead so every
    unfinished claim counts as abandoned (nobody is publishing once a run is over)."""
    later = datetime.now(UTC) + timedelta(days=1)
    return Repository(
        **settings_of(repo),
        endpoint_url=endpoint_url,
        boto_session=new_session(repo.aws_region),
        operator="checker",
        use_sts=False,
        clock=(lambda: later) if ahead else None,
    )


def repair_problems(repo: Repository, endpoint_url: str | None, raw: RawState) -> list[Any]:
    """The documented repair, then check() again; returns the problems left.

    - ``latest_mismatch``: upload again the bytes S3 holds as LATEST (the last upload that reached S3).
    - ``missing_object`` on LATEST: soft-delete LATEST (the next upload restores it).
    - ``orphan_object`` of a name with no visible version: ``purge_artifact(name)`` again; beside live
      versions (no publish in flight once the run is over): delete the object.
    - ``abandoned_publish``: nothing; the claim is invisible and its number is never reused.
    """
    clean = _direct_repo(repo, endpoint_url, ahead=False)
    checker = _direct_repo(repo, endpoint_url)
    # A purge that stopped keeps its fence for core's lease, refusing uploads of that name meanwhile
    # ("run purge_artifact to finish a purge that stopped"): finish it before any upload below.
    for name, fence in raw.fences.items():
        if "purging_until" in fence:
            clean.purge_artifact(name)
    for problem in checker.check():
        if problem.kind == "latest_mismatch":
            head = raw.s3.get_object(Bucket=raw.bucket, Key=raw.key(problem.name, "LATEST"))
            meta = {k: v for k, v in head.get("Metadata", {}).items() if not k.startswith("artifact_")}
            clean.put_artifact(
                problem.name, head["Body"].read(), content_type=head.get("ContentType"), metadata=meta or None
            )
        elif problem.kind == "missing_object" and problem.version == "LATEST":
            clean.delete_artifact_version(problem.name)
        elif problem.kind == "orphan_object" and not any(
            _visible(i) for i in raw.versions.get(problem.name, {}).values()
        ):
            clean.purge_artifact(problem.name)
        elif problem.kind == "orphan_object":
            # Beside live versions (a partial purge, then new uploads): the README's manual step, taken
            # here because the run is over and no publish is in flight: delete the object nobody names.
            uri = problem.detail.split()[2]
            raw.s3.delete_object(Bucket=raw.bucket, Key=uri.split("/", 3)[3])
    return checker.check()


def assert_repository_sound(repo: Repository, *, endpoint_url: str | None, repair: bool = False) -> list[Leftover]:
    """Raise AssertionError listing every broken invariant; return the leftovers check() reported."""
    raw = RawState(repo, endpoint_url)
    violations = find_violations(repo, endpoint_url=endpoint_url, repair=repair, raw=raw)
    assert not violations, "repository unsound:\n" + "\n".join(f"  {v.kind}: {v.name}: {v.detail}" for v in violations)
    return leftovers(raw)
