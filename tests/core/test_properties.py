"""Property tests of core.layout (validation and encodings), input checks before I/O, and weighted picks."""

import math
import random
import string
from datetime import UTC, datetime

import pytest
from faults import new_session
from hypothesis import example, given, settings
from hypothesis import strategies as st

from core import (
    Alias,
    InvalidArgumentError,
    InvalidNameError,
    InvalidVersionError,
    InvalidWeightError,
    Repository,
    ValidationError,
    VrcError,
    WeightTypeError,
    layout,
)

# Deterministic (same examples every run) and quick: this file must stay well under 30 s.
PROPS = settings(max_examples=150, deadline=None, derandomize=True, database=None)

NAME_FIRST = string.ascii_letters + string.digits
NAME_REST = NAME_FIRST + "._-"
ALIAS_FIRST = string.ascii_letters + string.digits + "_"
ALIAS_REST = ALIAS_FIRST + "."
# Characters that break S3 keys, the pk/sk encoding, or are just easy to get wrong.
AWKWARD = "/ #:@+%*?\\'\"\t\n\x00éß٣ſ-_."


def is_valid_name(value: object) -> bool:
    """The documented artifact-name rule: letters, digits, '.', '_', '-'; starts with a letter or
    digit; 1..128 characters."""
    return (
        isinstance(value, str)
        and 1 <= len(value) <= 128
        and value[0] in NAME_FIRST
        and all(ch in NAME_REST for ch in value)
    )


def is_valid_alias(value: object) -> bool:
    """The documented alias rule: letters, digits, '_', '.' (never '-'); does not start with '.';
    1..64 characters."""
    return (
        isinstance(value, str)
        and 1 <= len(value) <= 64
        and value[0] in ALIAS_FIRST
        and all(ch in ALIAS_REST for ch in value)
    )


def assert_names_value(error: Exception, value: object, limit: int) -> None:
    """The message names the bad value: its repr, or for an overlong string its start and length."""
    message = str(error)
    if value == "":
        assert "empty" in message, message
    elif isinstance(value, str) and len(value) > limit and repr(value) not in message:
        assert repr(value[:20]) in message and str(len(value)) in message, message
    else:
        assert repr(value) in message, message


def test_limits_are_the_documented_ones():
    assert (layout.MAX_NAME_LENGTH, layout.MAX_ALIAS_LENGTH, layout.MAX_VERSION) == (128, 64, 999_999)
    for cls in (InvalidNameError, InvalidVersionError, InvalidWeightError, WeightTypeError, InvalidArgumentError):
        assert issubclass(cls, ValidationError) and issubclass(cls, ValueError)
        assert issubclass(cls, VrcError)
    assert issubclass(WeightTypeError, TypeError)
    assert not issubclass(InvalidWeightError, TypeError)


# --- names ----------------------------------------------------------------------------------

valid_names = st.builds(str.__add__, st.sampled_from(NAME_FIRST), st.text(NAME_REST, max_size=127))
name_candidates = st.one_of(
    valid_names,
    st.text(max_size=40),
    st.text(NAME_REST + AWKWARD, max_size=40),
    st.builds(lambda name, i, ch: name[:i] + ch + name[i:], valid_names, st.integers(0, 130), st.sampled_from(AWKWARD)),
    st.builds(lambda name, extra: (name * 300)[: 128 + extra], valid_names, st.integers(1, 200)),
    st.sampled_from(["__x-alias", "__x-history", "_x", ".", "..", "-x", "x/y", "a b"]),
)


@PROPS
@given(name_candidates)
@example("a" * 128)
@example("a" * 129)
@example("0")
def test_validate_name_accepts_exactly_the_documented_set(name):
    if is_valid_name(name):
        assert layout.validate_name(name) == name
    else:
        with pytest.raises(InvalidNameError) as caught:
            layout.validate_name(name)
        assert isinstance(caught.value, ValueError)
        assert_names_value(caught.value, name, layout.MAX_NAME_LENGTH)


@PROPS
@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.binary(max_size=10),
        st.lists(st.text(max_size=3), max_size=2),
        st.floats(allow_nan=False),
    )
)
def test_validate_name_rejects_non_strings(value):
    for validate in (layout.validate_name, layout.validate_alias):
        with pytest.raises(InvalidNameError) as caught:
            validate(value)
        assert repr(value) in str(caught.value)


def _reserved(name: str) -> bool:
    return name.startswith("__") and name.endswith(("-alias", "-history"))


existing_candidates = st.one_of(
    name_candidates,
    st.builds("__{}{}".format, st.text(NAME_REST + AWKWARD, max_size=12), st.sampled_from(["-alias", "-history"])),
    st.builds(lambda name, extra: (name * 1100)[: 1000 + extra], valid_names, st.integers(1, 50)),
)


@PROPS
@given(existing_candidates)
def test_validate_existing_name_is_laxer_but_keeps_keys_apart(name):
    """Names versioned may have written stay usable, unless they break the key layout."""
    try:
        assert layout.validate_existing_name(name) == name
    except InvalidNameError as exc:
        assert not is_valid_name(name), f"a valid new name was refused as an existing one: {exc}"
        assert_names_value(exc, name, 1024)
    else:
        assert name and "/" not in name and not _reserved(name)


valid_aliases = st.builds(str.__add__, st.sampled_from(ALIAS_FIRST), st.text(ALIAS_REST, max_size=63))
alias_candidates = st.one_of(
    valid_aliases,
    st.text(max_size=40),
    st.text(ALIAS_REST + AWKWARD, max_size=40),
    st.builds(
        lambda alias, i, ch: alias[:i] + ch + alias[i:], valid_aliases, st.integers(0, 70), st.sampled_from(AWKWARD)
    ),
    st.builds(lambda alias, extra: (alias * 200)[: 64 + extra], valid_aliases, st.integers(1, 100)),
    st.sampled_from(["prod-eu", "-", ".prod", "prod#1", "LATEST", "000001", "_"]),
)


@PROPS
@given(alias_candidates)
@example("a" * 64)
@example("a" * 65)
@example("_")
def test_validate_alias_accepts_exactly_the_documented_set(alias):
    if is_valid_alias(alias):
        assert layout.validate_alias(alias) == alias
    else:
        with pytest.raises(InvalidNameError) as caught:
            layout.validate_alias(alias)
        assert isinstance(caught.value, ValueError)
        if "-" in alias:
            assert "hyphen" in str(caught.value)
        assert_names_value(caught.value, alias, layout.MAX_ALIAS_LENGTH)


# --- versions ---------------------------------------------------------------------------------


@PROPS
@given(st.integers(1, 999_999), st.integers(0, 8))
def test_version_encoding_round_trips(number, pad):
    text = str(number)
    sk = layout.encode_version_sk(number)
    assert len(sk) == 6 and sk.isdigit() and int(sk) == number
    for given_as in (number, text, text.zfill(len(text) + pad), sk):
        assert layout.encode_version(given_as) == text
        assert layout.encode_version_sk(given_as) == sk
    assert layout.decode_version_sk(sk) == text
    assert layout.encode_version(layout.decode_version_sk(sk)) == text


def test_latest_encoding_round_trips():
    for given_as in (None, "LATEST"):
        assert layout.encode_version(given_as) == "LATEST"
        assert layout.encode_version_sk(given_as) == "LATEST"
    assert layout.decode_version_sk("LATEST") == "LATEST"


@PROPS
@given(st.lists(st.integers(1, 999_999), unique=True, max_size=40), st.randoms(use_true_random=False))
def test_sort_keys_sort_like_versions_with_latest_first_descending(numbers, rnd):
    keys = [layout.encode_version_sk(n) for n in numbers] + [layout.encode_version_sk(None)]
    rnd.shuffle(keys)
    expected = ["LATEST"] + [layout.encode_version_sk(n) for n in sorted(numbers, reverse=True)]
    assert sorted(keys, reverse=True) == expected  # DynamoDB's ScanIndexForward=False order
    assert [layout.decode_version_sk(k) for k in expected[1:]] == [str(n) for n in sorted(numbers, reverse=True)]


def _accepted_version_text(text: str) -> bool:
    stripped = text.strip()
    return (stripped.isascii() and stripped.isdigit()) or stripped.upper() == "LATEST"


bad_versions = st.one_of(
    st.integers(max_value=0),
    st.integers(min_value=1_000_000),
    st.booleans(),
    st.floats(),
    st.integers(max_value=0).map(str),
    st.integers(min_value=1_000_000).map(str),
    st.text(max_size=12).filter(lambda t: not _accepted_version_text(t)),
    st.sampled_from(["", " ", "v1", "1.0", "1e3", "-1", "+1", "0x10", "١٢", "²", "000000", "LATEST1"]),
    st.builds(bytes, st.binary(max_size=4)),
    st.lists(st.integers(1, 5), max_size=2),
)


@PROPS
@given(bad_versions)
def test_bad_versions_raise_invalid_version_error_naming_the_value(value):
    for encode in (layout.encode_version, layout.encode_version_sk):
        with pytest.raises(InvalidVersionError) as caught:
            encode(value)
        assert isinstance(caught.value, ValueError)
        assert repr(value) in str(caught.value)


@pytest.mark.parametrize("value", ["LATEſT", "LATEﬅ", "LATEﬆ"])
def test_non_ascii_spellings_of_latest_are_rejected(value):
    """str.upper() folds the long s and the st ligatures into ASCII 'ST'."""
    with pytest.raises(InvalidVersionError):
        layout.encode_version(value)


# --- weights --------------------------------------------------------------------------------


@PROPS
@given(st.integers(0, 99))
def test_weights_0_to_99_are_accepted(weight):
    assert layout.validate_weight(weight) == weight


@PROPS
@given(st.one_of(st.integers(max_value=-1), st.integers(min_value=100)))
def test_out_of_range_weights_raise_invalid_weight_error(weight):
    with pytest.raises(InvalidWeightError) as caught:
        layout.validate_weight(weight)
    assert isinstance(caught.value, ValueError) and not isinstance(caught.value, TypeError)
    assert repr(weight) in str(caught.value)


@PROPS
@given(
    st.one_of(
        st.booleans(),
        st.floats(),
        st.text(max_size=4),
        st.none(),
        st.decimals(),
        st.fractions(),
        st.integers(0, 99).map(str),
        st.integers(0, 99).map(float),
    )
)
def test_non_int_weights_raise_weight_type_error(weight):
    with pytest.raises(WeightTypeError) as caught:
        layout.validate_weight(weight)
    assert isinstance(caught.value, TypeError) and isinstance(caught.value, ValueError)
    assert repr(weight) in str(caught.value)


# --- the layout is versioned's ----------------------------------------------------------------


@settings(PROPS, max_examples=60)
@given(
    valid_names,
    st.one_of(st.none(), st.integers(1, 999_999)),
    st.from_regex(r"[a-z0-9]{1,8}(/[a-z0-9]{1,8}){0,2}", fullmatch=True),
    st.sampled_from(["", ".zip", ".tar.gz", "-x"]),
)
def test_keys_match_versioned(name, version, prefix, suffix):
    from versioned import dynamodb as vdb
    from versioned.s3_and_dynamodb_backend import Repository as VersionedRepository

    repo = VersionedRepository(aws_region="us-east-1", s3_bucket="b", s3_prefix=prefix, suffix=suffix)
    expected = repo.get_artifact_s3path(name=name, version=version)
    assert layout.artifact_key(prefix, name, version, suffix) == expected.key
    assert layout.encode_version_sk(version) == vdb.encode_version_sk(version)
    assert layout.alias_pk(name) == vdb.encode_alias_pk(name)
    assert layout.history_pk(name) != layout.alias_pk(name)


# --- put_alias validates before any AWS call ----------------------------------------------------

BAD_PUT_ALIAS = [
    ({"name": ""}, InvalidNameError),
    ({"name": "__x-alias"}, InvalidNameError),
    ({"name": "a/b"}, InvalidNameError),
    ({"name": "a\nb"}, InvalidNameError),
    ({"name": None}, InvalidNameError),
    ({"name": "x" * 1025}, InvalidNameError),
    ({"alias": "prod-eu"}, InvalidNameError),
    ({"alias": ""}, InvalidNameError),
    ({"alias": "p" * 65}, InvalidNameError),
    ({"alias": "prod#1"}, InvalidNameError),
    ({"alias": None}, InvalidNameError),
    ({"version": 0}, InvalidVersionError),
    ({"version": -1}, InvalidVersionError),
    ({"version": True}, InvalidVersionError),
    ({"version": 1.0}, InvalidVersionError),
    ({"version": "abc"}, InvalidVersionError),
    ({"version": 1_000_000}, InvalidVersionError),
    ({"secondary_version": 0, "secondary_version_weight": 10}, InvalidVersionError),
    ({"secondary_version": "two", "secondary_version_weight": 10}, InvalidVersionError),
    ({"secondary_version": 2, "secondary_version_weight": True}, WeightTypeError),
    ({"secondary_version": 2, "secondary_version_weight": 1.5}, WeightTypeError),
    ({"secondary_version": 2, "secondary_version_weight": "10"}, WeightTypeError),
    ({"secondary_version": 2}, WeightTypeError),
    ({"secondary_version": 2, "secondary_version_weight": -1}, InvalidWeightError),
    ({"secondary_version": 2, "secondary_version_weight": 100}, InvalidWeightError),
    ({"secondary_version_weight": False}, WeightTypeError),
    ({"secondary_version": 1, "secondary_version_weight": 10}, ValidationError),
    ({"version": "000001", "secondary_version": "1", "secondary_version_weight": 10}, ValidationError),
    ({"version": None, "secondary_version": "LATEST", "secondary_version_weight": 10}, ValidationError),
    ({"expected_revision": -1}, InvalidArgumentError),
    ({"expected_revision": True}, InvalidArgumentError),
    ({"expected_revision": "1"}, InvalidArgumentError),
    ({"reason": 5}, InvalidArgumentError),
    ({"reason": "x" * 1001}, InvalidArgumentError),
]


@pytest.fixture
def counted_repo(inproc):
    """A bootstrapped repository with versions 1 and 2 of 'app', and a list of the AWS calls it makes."""
    session = new_session()
    calls: list[str] = []
    session.events.register("before-call", lambda event_name, **_: calls.append(event_name))
    repo = Repository(
        aws_region="us-east-1",
        s3_bucket="props",
        dynamodb_table_name="props",
        boto_session=session,
        operator="tester",
        use_sts=False,
    )
    repo.bootstrap()
    for content in (b"one", b"two"):
        repo.put_artifact("app", content)
        repo.publish_artifact_version("app")
    assert calls, "the before-call hook must see the repository's requests"
    return repo, calls


def _table(repo) -> list[dict]:
    client = new_session().client("dynamodb")  # uncounted
    items = client.scan(TableName=repo.dynamodb_table_name)["Items"]
    return sorted(items, key=lambda i: (i["pk"]["S"], i["sk"]["S"]))


def test_put_alias_rejects_bad_input_before_any_aws_call(counted_repo):
    repo, calls = counted_repo
    before = _table(repo)
    calls.clear()
    for overrides, error in BAD_PUT_ALIAS:
        kwargs = {"name": "app", "alias": "prod", "version": 1}
        kwargs.update(overrides)
        with pytest.raises(error) as caught:
            repo.put_alias(**kwargs)
        assert isinstance(caught.value, ValidationError), overrides
        assert calls == [], f"{overrides} reached AWS: {calls}"
    for name, alias, extra in (("a/b", "prod", {}), ("app", "prod-eu", {}), ("app", "prod", {"expected_revision": -1})):
        with pytest.raises(ValidationError):
            repo.delete_alias(name, alias, **extra)
    assert calls == []
    assert _table(repo) == before

    repo.put_alias("app", "prod", 1)  # the positive control: a valid call is counted
    assert calls


# --- weighted picks -----------------------------------------------------------------------------

PRIMARY, SECONDARY = "s3://b/app/000001", "s3://b/app/000002"


def _alias(weight: int | None) -> Alias:
    return Alias(
        name="app",
        alias="prod",
        update_at=datetime(2024, 1, 1, tzinfo=UTC),
        version="1",
        secondary_version=None if weight is None else "2",
        secondary_version_weight=weight,
        version_s3uri=PRIMARY,
        secondary_version_s3uri=None if weight is None else SECONDARY,
    )


@pytest.mark.parametrize("weight", [0, 1, 5, 20, 50, 80, 99])
def test_random_artifact_follows_the_weight_reproducibly(weight):
    draws, seed = 20_000, 20240101
    alias = _alias(weight)
    assert alias.primary_weight == 100 - weight
    rng = random.Random(seed)
    picks = [alias.random_artifact(rng=rng) for _ in range(draws)]
    again = random.Random(seed)
    assert picks == [alias.random_artifact(rng=again) for _ in range(draws)]
    assert set(picks) <= {PRIMARY, SECONDARY}
    secondary = picks.count(SECONDARY)
    p = weight / 100
    bound = 4 * math.sqrt(draws * p * (1 - p))  # 4 sigma; the seed makes it exact, not flaky
    assert abs(secondary - draws * p) <= bound, (weight, secondary)


def test_random_artifact_without_secondary_is_always_primary():
    alias = _alias(None)
    rng = random.Random(1)
    assert alias.primary_weight == 100
    assert {alias.random_artifact(rng=rng) for _ in range(1000)} == {PRIMARY}
