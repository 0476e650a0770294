"""Child process for the peak-RSS benchmark: one library, one put + download round trip.

Run by bench_core.py as `python _rss_child.py LIB SRC DST BUCKET TABLE ENDPOINT`, with the
parent's environment (dummy credentials, AWS_ENDPOINT_URL pointing at the moto server).
Prints one JSON line: peak RSS of the measuring process (ru_maxrss), the peak before the round
trip (interpreter + imports), wall time, and whether the downloaded bytes match.

Why two processes: Linux carries the pre-exec address space's high-water mark into ru_maxrss
across execve, and a child forked from the (large) benchmark process starts with the parent's
high-water mark. So this script, freshly exec'd and still tiny, re-runs itself with --inner; the
inner process is forked from a ~10 MB process and its ru_maxrss measures itself.
"""

from __future__ import annotations

import hashlib
import json
import resource
import sys
import time
from pathlib import Path

REGION = "us-east-1"
NAME = "big-blob"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def _round_trip_core(src: Path, dst: Path, bucket: str, table: str, endpoint: str) -> float:
    from core import Repository

    repo = Repository(aws_region=REGION, s3_bucket=bucket, dynamodb_table_name=table, endpoint_url=endpoint)
    repo.put_artifact(NAME, src)
    after_put = _peak_mb()
    repo.download(NAME, None, dst)
    return after_put


def _round_trip_versioned(src: Path, dst: Path, bucket: str, table: str, endpoint: str) -> float:
    from boto_session_manager import BotoSesManager
    from versioned.api import s3_and_dynamodb_backend

    bsm = BotoSesManager(region_name=REGION, default_client_kwargs={"endpoint_url": endpoint})
    repo = s3_and_dynamodb_backend.Repository(aws_region=REGION, s3_bucket=bucket, dynamodb_table_name=table)
    # versioned's put_artifact takes bytes only: the whole file must be in memory.
    data = src.read_bytes()
    repo.put_artifact(NAME, data, bsm=bsm)
    del data
    after_put = _peak_mb()
    content = repo.get_artifact_version(NAME, bsm=bsm).get_content(bsm)
    dst.write_bytes(content)
    del content
    return after_put


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "--inner":
        import subprocess

        return subprocess.run([sys.executable, __file__, "--inner", *argv], check=False).returncode
    lib, src, dst, bucket, table, endpoint = argv[1:]
    src_path, dst_path = Path(src), Path(dst)
    # Import the library before taking the baseline, so the baseline is "ready to work".
    if lib == "core":
        import core.repository  # noqa: F401 - core itself is lazy; load what a round trip uses

        round_trip = _round_trip_core
    elif lib == "versioned":
        import boto_session_manager  # noqa: F401
        import versioned.api  # noqa: F401

        round_trip = _round_trip_versioned
    else:
        raise SystemExit(f"unknown library {lib!r}; expected 'core' or 'versioned'")
    import boto3  # noqa: F401

    baseline = _peak_mb()
    t0 = time.perf_counter()
    after_put = round_trip(src_path, dst_path, bucket, table, endpoint)
    seconds = time.perf_counter() - t0
    peak = _peak_mb()
    same = _sha256_of(src_path) == _sha256_of(dst_path)
    print(
        json.dumps(
            {
                "lib": lib,
                "peak_mb": peak,
                "baseline_mb": baseline,
                "after_put_mb": after_put,
                "seconds": seconds,
                "bytes_match": same,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
